// The two interface operations that need rtnetlink: creating a macvtap and
// deleting a link. One request, one acknowledgement.
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "net/interfaces.hpp"
#include "base/fd.hpp"

namespace ezkvm::net {
namespace {

// One RTM_*LINK request built in place, attributes appended with the kernel's RTA macros.
class LinkRequest {
public:
    LinkRequest(uint16_t type, uint16_t flags)
    {
        header()->nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
        header()->nlmsg_type = type;
        header()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
        header()->nlmsg_seq = 1;
        info()->ifi_family = AF_UNSPEC;
    }

    nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buffer_.data()); }
    ifinfomsg* info() { return static_cast<ifinfomsg*>(NLMSG_DATA(header())); }

    rtattr* add(uint16_t type, const void* data, size_t size)
    {
        auto* attr = reinterpret_cast<rtattr*>(buffer_.data() + NLMSG_ALIGN(header()->nlmsg_len));
        attr->rta_type = type;
        attr->rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
        if (size)
            std::memcpy(RTA_DATA(attr), data, size);
        header()->nlmsg_len = NLMSG_ALIGN(header()->nlmsg_len) + RTA_ALIGN(attr->rta_len);
        return attr;
    }
    void add_string(uint16_t type, const std::string& text) { add(type, text.c_str(), text.size() + 1); }
    void add_u32(uint16_t type, uint32_t value) { add(type, &value, sizeof value); }
    // A nested attribute: close it with end() once its members are added.
    rtattr* begin(uint16_t type) { return add(type, nullptr, 0); }
    void end(rtattr* nest)
    {
        nest->rta_len = static_cast<uint16_t>(buffer_.data() + header()->nlmsg_len - reinterpret_cast<char*>(nest));
    }

    // Sends the request; ok when the kernel acknowledged it, else its error.
    Result<void> send(const char* what, const std::string& name)
    {
        const std::string request = fmt::format("{} {}", what, name);
        Fd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        if (!sock || ::sendto(sock.get(), buffer_.data(), header()->nlmsg_len, 0,
                              reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
            return errno_error(request, errno);
        std::array<char, 4096> reply{};
        const ssize_t got = ::recv(sock.get(), reply.data(), reply.size(), 0);
        if (got < 0)
            return errno_error(request, errno);
        auto* answer = reinterpret_cast<nlmsghdr*>(reply.data());
        if (!NLMSG_OK(answer, static_cast<unsigned>(got)) || answer->nlmsg_type != NLMSG_ERROR)
            return Error{request + ": unexpected netlink answer", EPROTO};
        const int error = -static_cast<nlmsgerr*>(NLMSG_DATA(answer))->error;
        if (error != 0)
            return errno_error(request, error);
        return {};
    }

private:
    alignas(nlmsghdr) std::array<char, 1024> buffer_{};
};

std::optional<std::array<unsigned char, 6>> mac_bytes(const std::string& mac)
{
    std::array<unsigned, 6> parts{};
    char tail = 0;
    if (std::sscanf(mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &parts[0], &parts[1], &parts[2], &parts[3],
                    &parts[4], &parts[5], &tail) != 6)
        return std::nullopt;
    std::array<unsigned char, 6> bytes{};
    for (size_t i = 0; i < 6; ++i)
        bytes[i] = static_cast<unsigned char>(parts[i]);
    return bytes;
}

}  // namespace

Result<void> create_macvtap(const std::string& name, const std::string& parent, const std::string& mac)
{
    const unsigned parent_index = ::if_nametoindex(parent.c_str());
    if (parent_index == 0)
        return Error{fmt::format("host interface {} (parent of {}) does not exist", parent, name), ENODEV};
    const auto address = mac_bytes(mac);
    if (!address)
        return Error{fmt::format("{}: bad MAC address {}", name, mac), EINVAL};
    LinkRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    request.add_u32(IFLA_LINK, parent_index);
    request.add_string(IFLA_IFNAME, name);
    request.add(IFLA_ADDRESS, address->data(), address->size());
    rtattr* info = request.begin(IFLA_LINKINFO);
    request.add(IFLA_INFO_KIND, "macvtap", sizeof "macvtap" - 1);
    rtattr* data = request.begin(IFLA_INFO_DATA);
    request.add_u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
    request.end(data);
    request.end(info);
    return request.send("create macvtap", name);
}

Result<void> delete_link(const std::string& name)
{
    const unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0)
        return {};  // already gone
    LinkRequest request(RTM_DELLINK, 0);
    request.info()->ifi_index = static_cast<int>(index);
    return request.send("delete", name);
}

}  // namespace ezkvm::net
