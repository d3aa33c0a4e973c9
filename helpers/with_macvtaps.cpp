// ExecStart= of a VM with macvtap NICs: qemu cannot open a macvtap by name, so this
// opens each one's /dev/tapN (as the VM's user, inside the unit's sandbox; prepare
// gave the user the device), puts macvtap k at fd qemu::first_macvtap_fd + k, where
// the command line's -netdev tap,fd=N expects it, and becomes qemu.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "helpers/helper.hpp"
#include "net/interfaces.hpp"
#include "qemu/command.hpp"
#include "base/process.hpp"

namespace ezkvm::helper {

int with_macvtaps(const std::vector<std::string>& macvtaps, const std::vector<std::string>& argv)
{
    const auto opened = net::open_macvtaps(macvtaps);
    if (!opened) {
        say("cannot hand the macvtaps to qemu: {}", opened.error().message);
        return 1;
    }
    std::vector<int> fds;
    for (const auto& fd : *opened)
        fds.push_back(fd.get());
    if (!place_numbered_fds(fds, qemu::first_macvtap_fd)) {
        say("cannot hand the macvtaps to qemu: {}", std::strerror(errno));
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

}  // namespace ezkvm::helper
