// ExecStart= of a VM whose NICs reach qemu as open fds (-netdev tap,fd=N), which
// this opens or obtains, puts at qemu::first_handed_fd + k in NIC order, and
// then becomes qemu:
//   with-macvtaps: a system VM's macvtaps; qemu cannot open one by name, so this
//     opens its /dev/tapN (as the VM's user, inside the unit's sandbox; prepare
//     gave the user the device);
//   with-bridge-taps: a user VM's taps on host bridges, which only root can make:
//     root's ezkvm-bridge-tap.socket hands them over (lib/net/bridge_tap.hpp).
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/process.hpp"
#include "helpers/helper.hpp"
#include "net/bridge_tap.hpp"
#include "net/interfaces.hpp"
#include "qemu/command.hpp"

namespace ezkvm::helper {
namespace {

int exec_with(const std::vector<Fd>& opened, const std::vector<std::string>& argv, const char* what)
{
    std::vector<int> fds;
    for (const auto& fd : opened)
        fds.push_back(fd.get());
    if (!place_numbered_fds(fds, qemu::first_handed_fd)) {
        say("cannot hand the {} to qemu: {}", what, std::strerror(errno));
        return 1;
    }
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    say("cannot run {}: {}", argv[0], std::strerror(errno));
    return 1;
}

}  // namespace

int with_macvtaps(const std::vector<std::string>& macvtaps, const std::vector<std::string>& argv)
{
    const auto opened = net::open_macvtaps(macvtaps);
    if (!opened) {
        say("cannot hand the macvtaps to qemu: {}", opened.error().message);
        return 1;
    }
    return exec_with(*opened, argv, "macvtaps");
}

int with_bridge_taps(const std::string& vm, const std::vector<qemu::BridgeTap>& taps,
                     const std::vector<std::string>& argv)
{
    std::vector<Fd> opened;
    for (const auto& tap : taps) {
        auto fd = net::request_bridge_tap(net::bridge_tap_socket, {vm, tap.nic, tap.bridge});
        if (!fd) {
            say("error: no tap on {} for network[{}]: {}", tap.bridge, tap.nic, fd.error().message);
            return 1;
        }
        opened.push_back(std::move(*fd));
    }
    return exec_with(opened, argv, "bridge taps");
}

}  // namespace ezkvm::helper
