#include "net/bridge_tap.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/parse.hpp"
#include "qemu/identity.hpp"

namespace ezkvm::net {
namespace {

constexpr size_t max_message = 4096;
constexpr unsigned max_nics = 64;
constexpr int reply_timeout_seconds = 30;

Error protocol_error(const std::string& what)
{
    return Error{fmt::format("bridge tap service: {}", what)};
}

Result<void> send_all(int fd, const std::string& text, int tap = -1)
{
    iovec iov{const_cast<char*>(text.data()), text.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (tap >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &tap, sizeof(int));
    }
    const ssize_t sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (sent < 0)
        return errno_error("send to the bridge tap service's peer", errno);
    if (static_cast<size_t>(sent) != text.size())
        return protocol_error("short write");
    return {};
}

// One message up to a newline, with the fd that came with it (if any).
Result<std::string> receive_line(int fd, Fd* passed)
{
    std::string line;
    char buffer[512];
    while (line.find('\n') == std::string::npos) {
        iovec iov{buffer, sizeof(buffer)};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        const ssize_t got = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (got < 0)
            return errno_error("receive from the bridge tap service", errno);
        for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
            if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
                continue;
            const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; ++i) {
                int received = -1;
                std::memcpy(&received, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
                if (passed && !*passed)
                    *passed = Fd(received);
                else
                    ::close(received);  // only one fd is ever expected
            }
        }
        if (got == 0)
            return protocol_error("the connection closed before a whole message came");
        line.append(buffer, static_cast<size_t>(got));
        if (line.size() > max_message)
            return protocol_error("a message longer than 4 KiB");
    }
    line.resize(line.find('\n'));
    return line;
}

}  // namespace

std::string user_tap_name(uid_t uid, const std::string& vm, unsigned nic)
{
    return fmt::format("{}u{}", qemu::interface_prefix(fmt::format("{}/{}", uid, vm)), nic);
}

bool valid_interface_name(const std::string& name)
{
    if (name.empty() || name.size() > 15 || name == "." || name == "..")
        return false;
    for (unsigned char c : name)
        if (c <= ' ' || c == '/' || c == ':' || c >= 0x7f)
            return false;
    return true;
}

std::string encode_request(const BridgeTapRequest& request)
{
    return nlohmann::json{{"vm", request.vm}, {"nic", request.nic}, {"bridge", request.bridge}}.dump() + "\n";
}

Result<BridgeTapRequest> decode_request(const std::string& line)
{
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object() || json.size() != 3 || !json.contains("vm") ||
        !json["vm"].is_string() || !json.contains("nic") || !json["nic"].is_number_unsigned() ||
        !json.contains("bridge") || !json["bridge"].is_string())
        return protocol_error("a request is {\"vm\": NAME, \"nic\": INDEX, \"bridge\": BRIDGE}");
    BridgeTapRequest request{json["vm"].get<std::string>(), 0, json["bridge"].get<std::string>()};
    const auto nic = json["nic"].get<uint64_t>();
    if (!config::valid_vm_name(request.vm))
        return protocol_error("the VM name is not one a VM file can have");
    if (nic >= max_nics)
        return protocol_error(fmt::format("NIC index {} is out of range", nic));
    if (!valid_interface_name(request.bridge))
        return protocol_error("the bridge is not an interface name");
    request.nic = static_cast<unsigned>(nic);
    return request;
}

Result<Fd> request_bridge_tap(const std::string& socket_path, const BridgeTapRequest& request)
{
    Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock)
        return errno_error("socket", errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof(addr.sun_path))
        return Error{fmt::format("{}: path too long", socket_path)};
    socket_path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0)
        return errno_error(fmt::format("connect to {} (is ezkvm-bridge-tap.socket running?)", socket_path), errno);
    const timeval timeout{reply_timeout_seconds, 0};
    ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (auto sent = send_all(sock.get(), encode_request(request)); !sent)
        return sent.error();
    Fd tap;
    auto line = receive_line(sock.get(), &tap);
    if (!line)
        return line.error();
    const auto reply = nlohmann::json::parse(*line, nullptr, false);
    if (reply.is_discarded() || !reply.is_object())
        return protocol_error("a reply that is not a JSON object");
    if (reply.contains("error") && reply["error"].is_string()) {
        std::string message = reply["error"].get<std::string>();
        if (reply.contains("hint") && reply["hint"].is_string() && !reply["hint"].get<std::string>().empty())
            message += " (" + reply["hint"].get<std::string>() + ")";
        return Error{message};
    }
    if (!tap)
        return protocol_error("a reply without the tap");
    return tap;
}

Result<BridgeTapRequest> read_request(int connection)
{
    auto line = receive_line(connection, nullptr);
    if (!line)
        return line.error();
    return decode_request(*line);
}

Result<void> send_reply(int connection, int tap, const std::string& ifname, const std::string& error,
                        const std::string& hint)
{
    if (tap < 0)
        return send_all(connection, nlohmann::json{{"error", error}, {"hint", hint}}.dump() + "\n");
    return send_all(connection, nlohmann::json{{"ifname", ifname}}.dump() + "\n", tap);
}

}  // namespace ezkvm::net
