#pragma once
// The one translation from a VmSpec to qemu's command line, the largest part
// of a VM's plan. Pure: everything it needs from the host comes in through
// CommandInput (the chosen firmware, the VM's paths, a probe for disk image
// formats). The planner (lib/planner) calls build_command().
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "firmware/firmware.hpp"
#include "hostcaps/capabilities.hpp"
#include "base/diagnostic.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::qemu {

// How the VM is accelerated and which CPU options it gets on this host, as
// planner::choose_accel decided from the host probe. Empty fields: what
// general.accel alone implies (nothing known about the host).
struct AccelChoice {
    std::vector<std::string> accelerators;      // -accel values, first that works wins
    std::vector<std::string> cpu_features_off;  // "-name" on -cpu: known KVM quirks
    std::vector<std::string> hyperv_left_out;   // enlightenments this host cannot give
};

struct CommandInput {
    const config::VmSpec* spec = nullptr;
    Scope scope = Scope::System;  // a user VM's bridge and nat NICs come as fds
    VmPaths paths;
    std::optional<firmware::Firmware> firmware;   // required for OVMF; SeaBIOS may be nullopt
    AccelChoice accel;
    std::string host_fingerprint = "none";  // of the host capabilities the choice came from
    std::string qemu_binary = hostcaps::qemu_binary;
    // Also write the serial console to <runtime>/console.log: for `ezkvm run`. Not for the
    // units, whose console goes to the journal (bounded) rather than growing in /run.
    bool console_logfile = false;
    // /dev/vhost-net exists: tap and macvtap NICs use vhost-net unless they say otherwise.
    bool vhost_net = false;
    // Detects the image format of a file that exists (nullopt: not found or unknown).
    std::function<std::optional<config::DriveFormat>(const std::string& path)> probe_format;
};

// A host file or device the VM uses, with how it is opened.
struct HostPath {
    enum class Kind { File, Device };  // Device: a node under /dev (not /dev/shm)
    enum class User { Qemu, Swtpm };   // who opens it (the TPM state is swtpm's)
    std::string path;                  // as the VM file names it
    bool writable = false;
    Kind kind = Kind::File;
    User user = User::Qemu;
};

// A user VM's NIC on a host bridge (lib/net/bridge_tap.hpp).
struct BridgeTap {
    unsigned nic = 0;    // its index in the network list
    std::string bridge;  // the bridge it joins (ezkvm0 for type nat)
};

struct Command {
    std::vector<std::string> argv;  // argv[0] is the qemu binary
    // Files and devices the VM reads or writes (disks, vars store, TPM state,
    // kernel, looking-glass memory), in first-use order: for RequiresMountsFor=,
    // DeviceAllow= and ReadWritePaths=.
    std::vector<HostPath> host_paths;
    // NICs that reach qemu as open fds, -netdev tap,fd=first_handed_fd + k in NIC order
    // (a VM has one kind or the other: macvtaps are for system VMs only):
    // the macvtaps of macvtap NICs, whose /dev/tapN whoever starts qemu opens, each once per
    // queue pair (every open of a macvtap's device is one more queue), and
    std::vector<std::string> macvtaps;
    // a user VM's bridge and nat NICs, whose taps root's bridge tap service hands over.
    std::vector<BridgeTap> bridge_taps;
    // hostcaps::fingerprint of what was known about the host: units record it, so
    // a start can tell that they were generated for a host that has changed since.
    std::string host_fingerprint = "none";
};

constexpr int first_handed_fd = 3;

// Errors (e.g. PCI slot collisions, devices that do not fit the chipset) go to diags; argv is
// only meaningful when no error was added.
Command build_command(const CommandInput& input, Diagnostics& diags);

}  // namespace ezkvm::qemu
