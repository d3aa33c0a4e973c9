// serve-bridge-tap: ExecStart= of ezkvm-bridge-tap@.service, root's side of
// lib/net/bridge_tap.hpp on one accepted connection (standard input). It trusts
// nothing the peer says but a VM name, a NIC index and a bridge name, each
// checked: who asks comes from the kernel (SO_PEERCRED, SO_PEERGROUPS), which
// bridges users may join from the admin's /etc/qemu/bridge.conf.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/groups.hpp"
#include "config/environment.hpp"
#include "helpers/helper.hpp"
#include "net/bridge_acl.hpp"
#include "net/bridge_tap.hpp"
#include "net/interfaces.hpp"

namespace ezkvm::helper {
namespace {

struct Peer {
    uid_t uid = 0;
    std::vector<gid_t> groups;  // its primary group and supplementary groups
};

Result<Peer> peer_of(int connection)
{
    ucred cred{};
    socklen_t length = sizeof(cred);
    if (::getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &cred, &length) < 0)
        return errno_error("SO_PEERCRED", errno);
    Peer peer{cred.uid, {cred.gid}};
    std::vector<gid_t> groups(256);
    length = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (::getsockopt(connection, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &length) < 0)
        return errno_error("SO_PEERGROUPS", errno);
    groups.resize(length / sizeof(gid_t));
    peer.groups.insert(peer.groups.end(), groups.begin(), groups.end());
    return peer;
}

bool is_operator(const Peer& peer)
{
    return peer.uid == 0 || group_among(operators_group, peer.groups);
}

struct Refusal {
    std::string error;
    std::string hint;
};

// The tap for `request`, on its bridge and up, or why not.
std::variant<Fd, Refusal> make_tap(const Peer& peer, const net::BridgeTapRequest& request, const std::string& ifname)
{
    if (!is_operator(peer))
        return Refusal{"only members of group ezkvm may put their VMs on a host bridge",
                       "an admin adds you with 'usermod -aG ezkvm USER'; it counts from your next login"};
    const auto env = config::Environment::from_process(Scope::System);
    const auto allowed = net::bridge_allowed(env.root, net::bridge_acl_file, request.bridge);
    if (!allowed)
        return Refusal{allowed.error().message, "fix /etc/qemu/bridge.conf"};
    if (!*allowed)
        return Refusal{request.bridge + " is not allowed for users' VMs by /etc/qemu/bridge.conf",
                       "an admin adds the line 'allow " + request.bridge + "' to /etc/qemu/bridge.conf"};
    if (!net::is_bridge(request.bridge))
        return Refusal{request.bridge + " is not a bridge on this host", "see 'ip -d link show type bridge'"};
    auto tap = net::open_tap(ifname);
    if (!tap) {
        if (tap.error().errno_value == EBUSY)
            return Refusal{ifname + " is in use: is VM " + request.vm + " running twice?", ""};
        return Refusal{tap.error().message, ""};
    }
    if (auto joined = net::join_bridge(ifname, request.bridge); !joined)
        return Refusal{joined.error().message, ""};
    if (auto up = net::set_up(ifname); !up)
        return Refusal{up.error().message, ""};
    return std::move(*tap);
}

}  // namespace

int serve_bridge_tap()
{
    constexpr int connection = STDIN_FILENO;
    const auto peer = peer_of(connection);
    if (!peer) {
        say("error: {} (is standard input the accepted connection?)", peer.error().message);
        return 1;
    }
    const auto request = net::read_request(connection);
    if (!request) {
        say("refused uid {}: {}", peer->uid, request.error().message);
        (void)net::send_reply(connection, -1, "", request.error().message);
        return 1;
    }
    const std::string ifname = net::user_tap_name(peer->uid, request->vm, request->nic);
    auto made = make_tap(*peer, *request, ifname);
    if (auto* refusal = std::get_if<Refusal>(&made)) {
        say("refused uid {} a tap for VM {} NIC {} on {}: {}", peer->uid, request->vm, request->nic,
            request->bridge, refusal->error);
        (void)net::send_reply(connection, -1, "", refusal->error, refusal->hint);
        return 1;
    }
    const auto& tap = std::get<Fd>(made);
    if (auto sent = net::send_reply(connection, tap.get(), ifname); !sent) {
        say("error: {}", sent.error().message);
        return 1;
    }
    say("gave uid {} tap {} on {} for VM {} NIC {}", peer->uid, ifname, request->bridge, request->vm, request->nic);
    return 0;
}

}  // namespace ezkvm::helper
