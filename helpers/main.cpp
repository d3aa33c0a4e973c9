// ezkvm-helper: the steps of ezkvm@.service around qemu (see units/*/ezkvm@.service.in):
//   prepare     ExecStartPre=+  directories, UEFI variables, disks, TPM state, owned by the VM's user
//   launch [--no-console] VM [IFNAME...] -- QEMU...   ExecStart=: becomes qemu (with the VM's macvtaps
//               as numbered fds); its child resumes the paused VM, notifies systemd once QMP says
//               running, then relays the guest's console to the journal and console-attach.sock and
//               kills qemu when the guest dies under it (a KVM internal error, a panic)
//   stop        ExecStop=       ACPI power button (repeated), stop timeout, quit
//   register    ExecStartPost=+ registers the running VM with systemd-machined (machinectl list)
//   cleanup     ExecStopPost=+  undoes prepare's host changes (network interfaces), also after a crash
//   vfio-bind / vfio-release ADDRESS   ExecStart= / ExecStopPost= of ezkvm-vfio@ADDRESS.service
//   probe-host  ExecStart= of ezkvm-host-probe.service: the host probe, current; reloads when units are stale
// --user: the VM is a user VM ($XDG_CONFIG_HOME/ezkvm, $XDG_RUNTIME_DIR/ezkvm).
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "helpers/helper.hpp"

using namespace ezkvm;

namespace {

constexpr int exit_usage = 2;

constexpr const char* usage =
    "usage: ezkvm-helper [--user] prepare|stop|cleanup|register VM\n"
    "       ezkvm-helper [--user] launch [--no-console] VM [IFNAME...] -- QEMU-BINARY [ARG...]\n"
    "       ezkvm-helper vfio-bind|vfio-release PCI-ADDRESS\n"
    "       ezkvm-helper [--user] probe-host\n";

// [--user] launch [--no-console] VM [IFNAME...] -- ARGV: false when the shape is wrong.
bool parse_launch(std::vector<std::string_view> args, helper::Invocation& inv, helper::LaunchOptions& options)
{
    if (!args.empty() && args.front() == "--user") {
        inv.scope = Scope::User;
        args.erase(args.begin());
    }
    if (args.empty() || args.front() != "launch")
        return false;
    args.erase(args.begin());
    if (!args.empty() && args.front() == "--no-console") {
        options.serial = false;
        args.erase(args.begin());
    }
    const auto separator = std::find(args.begin(), args.end(), "--");
    if (separator == args.end() || separator == args.begin() || separator + 1 == args.end() ||
        args.front().starts_with('-') || !separator[1].starts_with('/'))
        return false;
    inv.verb = "launch";
    inv.vm = args.front();
    options.macvtaps.assign(args.begin() + 1, separator);
    options.qemu_argv.assign(separator + 1, args.end());
    return true;
}

std::optional<helper::Invocation> parse(std::vector<std::string_view> args)
{
    helper::Invocation inv;
    if (!args.empty() && args.front() == "--user") {
        inv.scope = Scope::User;
        args.erase(args.begin());
    }
    if (args.size() != 2 || args[1].empty() || args[1].starts_with('-'))
        return std::nullopt;
    inv.verb = args[0];
    inv.vm = args[1];
    return inv;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    helper::Invocation launch;
    helper::LaunchOptions options;
    if (parse_launch(args, launch, options))
        return helper::launch(launch, options);
    if (args == std::vector<std::string_view>{"probe-host"})
        return helper::probe_host(Scope::System);
    if (args == std::vector<std::string_view>{"--user", "probe-host"})
        return helper::probe_host(Scope::User);
    const auto inv = parse(args);
    if (inv) {
        if (inv->verb == "prepare")
            return helper::prepare(*inv);
        if (inv->verb == "stop")
            return helper::stop(*inv);
        if (inv->verb == "register")
            return helper::register_machine(*inv);
        if (inv->verb == "cleanup")
            return helper::cleanup(*inv);
        if (inv->verb == "vfio-bind" && inv->scope == Scope::System)
            return helper::vfio_bind(*inv);
        if (inv->verb == "vfio-release" && inv->scope == Scope::System)
            return helper::vfio_release(*inv);
    }
    std::fputs(usage, stderr);
    return exit_usage;
}
