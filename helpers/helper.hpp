#pragma once
// ezkvm-helper: what the shipped ezkvm@.service runs around qemu. One verb per
// file; this header holds what they share.
#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "config/resolve.hpp"
#include "qemu/command.hpp"
#include "base/fd.hpp"
#include "base/diagnostic.hpp"
#include "base/private_dir.hpp"
#include "base/vm_paths.hpp"
#include "qemu/command.hpp"

namespace ezkvm::helper {

struct Invocation {
    Scope scope = Scope::System;
    std::string verb;
    std::string vm;               // the unit's instance name
    std::optional<int> console_fd;  // watch: qemu's console, connected by wait-ready
    bool no_console = false;        // watch: the VM has no serial console
};

int prepare(const Invocation& inv);
int wait_ready(const Invocation& inv);
int stop(const Invocation& inv);
int run_watch(const Invocation& inv);
int register_machine(const Invocation& inv);
int cleanup(const Invocation& inv);
int vfio_bind(const Invocation& inv);     // inv.vm holds the PCI address
int vfio_release(const Invocation& inv);
// probe-host: ExecStart= of ezkvm-host-probe.service.
int probe_host(Scope scope);
// with-macvtaps IFNAME... -- QEMU-ARGV: opens the macvtaps for qemu and executes it.
int with_macvtaps(const std::vector<std::string>& macvtaps, const std::vector<std::string>& argv);
// with-bridge-taps VM NIC:BRIDGE... -- QEMU-ARGV: a user VM's taps on host bridges, from root's service.
int with_bridge_taps(const std::string& vm, const std::vector<qemu::BridgeTap>& taps,
                     const std::vector<std::string>& argv);
// serve-bridge-tap: root's side, on the accepted connection (standard input).
int serve_bridge_tap();
// The system VM files without errors (the others, skipped with a line each, got no unit).
std::vector<config::LoadedVm> valid_system_vms(const config::Environment& env);
// Whether no other running system VM holds one of `vm`'s passthrough devices (qemu
// would fail on a device already bound) or MACs; errors name the VM (in_use.cpp).
bool held_resources_free(const config::LoadedVm& vm, const config::Environment& env, Diagnostics& diags);

// One line to stderr, which systemd sends to the unit's journal.
template <typename... Args>
void say(fmt::format_string<Args...> format, Args&&... args)
{
    fmt::print(stderr, "{}\n", fmt::format(format, std::forward<Args>(args)...));
    std::fflush(stderr);
}

void print_diagnostics(const Diagnostics& diags);

// The user the VM's units run it as (the generator's User=): the uid systemd
// gave the VM's dynamic user for this run, or general.user (refused in group
// ezkvm, whose members may manage every VM). A user manager runs everything as itself.
std::optional<Owner> vm_owner(const config::LoadedVm& vm, Scope scope, Diagnostics& diags);

// The state directory prepare works in: systemd's /var/lib/private/ezkvm/<vm>
// behind its link /var/lib/ezkvm/<vm> for a dynamic user, else `state_dir`.
std::string real_state_dir(const std::string& state_dir);

// The device nodes the VM's user gets for this run, besides USB (runtime::grant_usb_access):
// /dev/kvm, /dev/vhost-net, the block devices of its disks, UEFI variables and TPM state, its VFIO
// group nodes, kvmfr.
std::vector<std::string> vm_device_nodes(const config::VmSpec& spec, const qemu::Command& command, const std::string& root);

// Loads the VM file of `inv.vm` the way the CLI does; problems are printed.
std::optional<config::LoadedVm> load(const Invocation& inv, const config::Environment& env);

// What a verb starts from: the environment of its scope, the VM file of the
// unit's instance (nullopt after printing its problems) and the VM's paths.
struct VmContext {
    config::Environment env;
    std::optional<config::LoadedVm> vm;
    VmPaths paths;
};
VmContext load_context(const Invocation& inv);

using Clock = std::chrono::steady_clock;

// A duration in seconds, for messages.
double seconds(Clock::duration d);

// A process that is not our child, watched through a pidfd.
struct WatchedProcess {
    pid_t pid = 0;
    Fd pidfd;  // readable once the process has exited

    bool exited() const;
    // Waits at most `timeout` for it to exit; whether it did.
    bool wait_for(std::chrono::milliseconds timeout) const;
    void signal(int sig) const;
};

// nullopt when no process has that pid.
std::optional<WatchedProcess> watch(pid_t pid);

// qemu, the unit's main process, as systemd names it in $MAINPID for
// ExecStartPost= and ExecStop=; nullopt when it is unset (qemu has exited already).
std::optional<WatchedProcess> main_process();

// Where watch records its pid, so stop can let it copy the guest's last words.
std::string watch_pidfile(const VmPaths& paths);

}  // namespace ezkvm::helper
