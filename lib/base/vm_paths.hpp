#pragma once
// Where one VM's runtime and state files live. System VMs: /run/ezkvm/<vm> and
// /var/lib/ezkvm/<vm>; user VMs: $XDG_RUNTIME_DIR/ezkvm/<vm> and
// $XDG_STATE_HOME/ezkvm/<vm>. EZKVM_RUNTIME_DIR / EZKVM_STATE_DIR replace the
// base directories (tests, `ezkvm run` outside systemd).
#include <string>

namespace ezkvm {

enum class Scope { System, User };

// Root's own runtime state (what vfio-bind remembers, the USB access it
// granted), unprefixed. No VM can be called `_host` (a VM name begins with a
// letter or digit), so no VM's directory, nor the RuntimeDirectory= of its
// passt units, can ever be this one or below it.
inline constexpr const char* host_state_dir = "/run/ezkvm/_host";

struct VmPaths {
    std::string runtime_dir;      // sockets
    std::string state_dir;        // persistent files
    std::string credentials_dir;  // where systemd puts the unit's credentials

    std::string qmp() const { return runtime_dir + "/qmp.sock"; }
    // A second QMP socket, held by the unit's guest watch for the VM's whole life.
    std::string qmp_watch() const { return runtime_dir + "/qmp-watch.sock"; }
    std::string monitor() const { return runtime_dir + "/monitor.sock"; }
    std::string console() const { return runtime_dir + "/console.sock"; }
    std::string console_log() const { return runtime_dir + "/console.log"; }
    std::string guest_agent() const { return runtime_dir + "/qga.sock"; }
    std::string spice() const { return runtime_dir + "/spice.sock"; }
    std::string vnc() const { return runtime_dir + "/vnc.sock"; }
    std::string swtpm() const { return runtime_dir + "/swtpm.sock"; }
    std::string swtpm_ctrl() const { return runtime_dir + "/swtpm-ctrl.sock"; }
    std::string pidfile() const { return runtime_dir + "/qemu.pid"; }
    std::string efivars() const { return state_dir + "/efivars.fd"; }
    std::string tpm_state() const { return state_dir + "/tpm"; }
};

// Paths for VM `name` in `scope`, honouring the environment overrides above.
VmPaths vm_paths(const std::string& name, Scope scope);

// $XDG_CONFIG_HOME, else $HOME/.config: where a user's own VM files, templates
// and firmware descriptors live.
std::string xdg_config_home();

// Where ezkvm keeps what it can work out again (the host probe's answer):
// /var/cache/ezkvm, or $XDG_CACHE_HOME/ezkvm for user VMs; EZKVM_CACHE_DIR replaces it.
std::string cache_dir(Scope scope);

}  // namespace ezkvm
