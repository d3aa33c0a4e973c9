// ezkvm-helper: the steps of ezkvm@.service around qemu (see units/*/ezkvm@.service.in):
//   prepare     ExecStartPre=+  directories, UEFI variables, disks, TPM state, owned by the VM's user
//   wait-ready  ExecStartPost=  starts watch, resumes the paused VM, returns once QMP says running
//   stop        ExecStop=       ACPI power button (repeated), stop timeout, quit
//   watch                       the guest's console to the journal and console-attach.sock; kills
//                               qemu when the guest dies under it (a KVM internal error, a panic)
//   register    ExecStartPost=+ registers the running VM with systemd-machined (machinectl list)
//   cleanup     ExecStopPost=+  undoes prepare's host changes (network interfaces), also after a crash
//   vfio-bind / vfio-release ADDRESS   ExecStart= / ExecStopPost= of ezkvm-vfio@ADDRESS.service
//   with-macvtaps IFNAME... -- QEMU...  ExecStart= of a VM with macvtap NICs: opens them, runs qemu
//   with-bridge-taps VM NIC:BRIDGE... -- QEMU...  ExecStart= of a user VM on host bridges: taps from
//               root's ezkvm-bridge-tap.socket, then qemu
//   serve-bridge-tap  ExecStart= of ezkvm-bridge-tap@.service (the accepted connection on stdin)
//   probe-host  ExecStart= of ezkvm-host-probe.service: the host probe, current; reloads when units are stale
// --user: the VM is a user VM ($XDG_CONFIG_HOME/ezkvm, $XDG_RUNTIME_DIR/ezkvm).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "helpers/helper.hpp"

using namespace ezkvm;

namespace {

constexpr int exit_usage = 2;
constexpr std::string_view console_fd_option = "--console-fd=";

constexpr const char* usage =
    "usage: ezkvm-helper [--user] prepare|wait-ready|stop|cleanup|register VM\n"
    "       ezkvm-helper [--user] watch [--console-fd=N | --no-console] VM\n"
    "       ezkvm-helper vfio-bind|vfio-release PCI-ADDRESS\n"
    "       ezkvm-helper with-macvtaps IFNAME... -- QEMU-BINARY [ARG...]\n"
    "       ezkvm-helper with-bridge-taps VM NIC:BRIDGE... -- QEMU-BINARY [ARG...]\n"
    "       ezkvm-helper serve-bridge-tap\n"
    "       ezkvm-helper [--user] probe-host\n";

// VERB WORD... -- ARGV (`skip` words before the list): false when the shape is wrong.
bool list_then_argv(const std::vector<std::string_view>& args, size_t skip, std::vector<std::string>& list,
                    std::vector<std::string>& argv)
{
    const auto separator = std::find(args.begin(), args.end(), "--");
    if (separator == args.end() || separator <= args.begin() + 1 + static_cast<long>(skip) || separator + 1 == args.end())
        return false;
    list.assign(args.begin() + 1 + static_cast<long>(skip), separator);
    argv.assign(separator + 1, args.end());
    return argv.front().starts_with('/');
}

// NIC:BRIDGE, such as 0:br0.
std::optional<qemu::BridgeTap> bridge_tap_arg(std::string_view word)
{
    const auto colon = word.find(':');
    unsigned nic = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(word.data(), word.data() + colon, nic).ptr != word.data() + colon || colon + 1 == word.size())
        return std::nullopt;
    return qemu::BridgeTap{nic, std::string(word.substr(colon + 1))};
}

int with_bridge_taps(const std::vector<std::string_view>& args)
{
    std::vector<std::string> words, argv;
    if (args.size() < 2 || !list_then_argv(args, 1, words, argv))
        return exit_usage;
    std::vector<qemu::BridgeTap> taps;
    for (const auto& word : words) {
        auto tap = bridge_tap_arg(word);
        if (!tap)
            return exit_usage;
        taps.push_back(std::move(*tap));
    }
    return helper::with_bridge_taps(std::string(args[1]), taps, argv);
}

std::optional<helper::Invocation> parse(std::vector<std::string_view> args)
{
    helper::Invocation inv;
    if (!args.empty() && args.front() == "--user") {
        inv.scope = Scope::User;
        args.erase(args.begin());
    }
    if (args.size() == 3 && args[0] == "watch" && args[1] == "--no-console") {
        inv.no_console = true;
        args.erase(args.begin() + 1);
    } else if (args.size() == 3 && args[0] == "watch" && args[1].starts_with(console_fd_option)) {
        const auto number = args[1].substr(console_fd_option.size());
        int fd = 0;
        for (char c : number) {
            if (c < '0' || c > '9')
                return std::nullopt;
            fd = fd * 10 + (c - '0');
        }
        if (number.empty() || fd < 3)
            return std::nullopt;
        inv.console_fd = fd;
        args.erase(args.begin() + 1);
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
    if (!args.empty() && args.front() == "with-macvtaps") {
        std::vector<std::string> macvtaps, qemu;
        if (list_then_argv(args, 0, macvtaps, qemu))
            return helper::with_macvtaps(macvtaps, qemu);
        std::fputs(usage, stderr);
        return exit_usage;
    }
    if (!args.empty() && args.front() == "with-bridge-taps") {
        const int status = with_bridge_taps(args);
        if (status == exit_usage)
            std::fputs(usage, stderr);
        return status;
    }
    if (args == std::vector<std::string_view>{"serve-bridge-tap"})
        return helper::serve_bridge_tap();
    if (args == std::vector<std::string_view>{"probe-host"})
        return helper::probe_host(Scope::System);
    if (args == std::vector<std::string_view>{"--user", "probe-host"})
        return helper::probe_host(Scope::User);
    const auto inv = parse(args);
    if (inv) {
        if (inv->verb == "prepare")
            return helper::prepare(*inv);
        if (inv->verb == "wait-ready")
            return helper::wait_ready(*inv);
        if (inv->verb == "stop")
            return helper::stop(*inv);
        if (inv->verb == "watch")
            return helper::run_watch(*inv);
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
