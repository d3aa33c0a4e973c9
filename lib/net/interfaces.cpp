#include "net/interfaces.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "base/fd.hpp"

namespace ezkvm::net {
namespace {

Error failed(const std::string& what, const std::string& name, int error = errno)
{
    return errno_error(fmt::format("{} {}", what, name), error);
}

ifreq request_for(const std::string& name)
{
    ifreq ifr{};
    name.copy(ifr.ifr_name, IFNAMSIZ - 1);
    return ifr;
}

// A socket for the interface ioctls (any family reaches them; AF_UNIX needs no network stack).
Fd control_socket()
{
    return Fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

}  // namespace

bool link_exists(const std::string& name)
{
    return ::if_nametoindex(name.c_str()) != 0;
}

std::vector<std::string> link_names()
{
    std::vector<std::string> names;
    if (struct if_nameindex* list = ::if_nameindex()) {
        for (auto* entry = list; entry->if_index != 0; ++entry)
            names.emplace_back(entry->if_name);
        ::if_freenameindex(list);
    }
    return names;
}

bool is_bridge(const std::string& name)
{
    std::error_code ec;
    return std::filesystem::is_directory("/sys/class/net/" + name + "/bridge", ec);
}

Result<void> create_tap(const std::string& name, uid_t uid, gid_t gid, bool multi_queue)
{
    Fd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!tun)
        return failed("open /dev/net/tun for", name);
    ifreq ifr = request_for(name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (multi_queue)  // qemu then opens it once per queue pair, with the same flags
        ifr.ifr_flags |= IFF_MULTI_QUEUE;
    if (::ioctl(tun.get(), TUNSETIFF, &ifr) < 0)
        return failed("TUNSETIFF", name);
    if (::ioctl(tun.get(), TUNSETOWNER, static_cast<unsigned long>(uid)) < 0)
        return failed("TUNSETOWNER", name);
    if (::ioctl(tun.get(), TUNSETGROUP, static_cast<unsigned long>(gid)) < 0)
        return failed("TUNSETGROUP", name);
    if (::ioctl(tun.get(), TUNSETPERSIST, 1UL) < 0)
        return failed("TUNSETPERSIST", name);
    return {};
}

Result<Fd> open_tap(const std::string& name)
{
    Fd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!tun)
        return failed("open /dev/net/tun for", name);
    ifreq ifr = request_for(name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (::ioctl(tun.get(), TUNSETIFF, &ifr) < 0)
        return failed("TUNSETIFF", name);
    return tun;
}

Result<void> join_bridge(const std::string& name, const std::string& bridge)
{
    const unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0)
        return failed("find", name);
    auto sock = control_socket();
    ifreq ifr = request_for(bridge);
    ifr.ifr_ifindex = static_cast<int>(index);
    if (!sock || ::ioctl(sock.get(), SIOCBRADDIF, &ifr) < 0)
        return failed("add to bridge " + bridge + ":", name);
    return {};
}

Result<void> set_up(const std::string& name)
{
    auto sock = control_socket();
    ifreq ifr = request_for(name);
    if (!sock || ::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0)
        return failed("SIOCGIFFLAGS", name);
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0)
        return failed("SIOCSIFFLAGS", name);
    return {};
}

std::optional<CharDevice> macvtap_device(const std::string& name)
{
    const unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0)
        return std::nullopt;
    const std::string node = fmt::format("tap{}", index);
    std::ifstream dev(fmt::format("/sys/class/net/{}/macvtap/{}/dev", name, node));
    CharDevice device{"/dev/" + node};
    char colon = 0;
    if (!(dev >> device.major >> colon >> device.minor) || colon != ':')
        return std::nullopt;
    return device;
}

Result<std::vector<Fd>> open_macvtaps(const std::vector<std::string>& names)
{
    std::vector<Fd> fds;
    for (const auto& name : names) {
        const auto device = macvtap_device(name);
        if (!device)
            return Error{fmt::format("macvtap {} does not exist (or has no character device)", name), ENODEV};
        Fd fd(::open(device->path.c_str(), O_RDWR | O_CLOEXEC));
        if (!fd)
            return errno_error(fmt::format("open {} (macvtap {})", device->path, name), errno);
        fds.push_back(std::move(fd));
    }
    return fds;
}

}  // namespace ezkvm::net
