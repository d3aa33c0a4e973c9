#include "checks/user_bridges.hpp"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "base/groups.hpp"
#include "net/bridge_acl.hpp"
#include "net/bridge_tap.hpp"

namespace ezkvm::checks {
std::vector<UserBridgeFinding> user_bridge_findings(const config::VmSpec& spec, const config::Environment& env)
{
    std::vector<UserBridgeFinding> findings;
    for (size_t i = 0; i < spec.network.size(); ++i) {
        const auto& nic = spec.network[i];
        const auto key = [i](const char* name) { return fmt::format("network[{}].{}", i, name); };
        if (nic.type == config::NetType::Macvtap) {
            findings.push_back({nic.pos, key("type"), "a user VM cannot have macvtap NICs: only root can create them",
                                "use type bridge, user or passt, or run it as a system VM (/etc/ezkvm)", true});
            continue;
        }
        if (nic.type != config::NetType::Bridge && nic.type != config::NetType::Nat)
            continue;
        const auto allowed = net::bridge_allowed(env.root, net::bridge_acl_file, nic.bridge);
        if (!allowed)
            findings.push_back({nic.pos, key("bridge"), allowed.error().message, "an admin fixes /etc/qemu/bridge.conf"});
        else if (!*allowed)
            findings.push_back({nic.pos, key("bridge"),
                                fmt::format("/etc/qemu/bridge.conf does not allow users' VMs on {}", nic.bridge),
                                fmt::format("an admin adds the line 'allow {}' to it", nic.bridge)});
        std::error_code ec;
        if (::geteuid() != 0 && !process_in_group(operators_group))
            findings.push_back({nic.pos, key("type"), "only members of group ezkvm may put their VMs on a host bridge",
                                "an admin adds you with 'usermod -aG ezkvm USER'; it counts from your next login"});
        else if (!std::filesystem::exists(env.real(net::bridge_tap_socket), ec))
            findings.push_back({nic.pos, key("type"),
                                "root's ezkvm-bridge-tap.socket, which makes the tap, is not listening",
                                "an admin runs 'systemctl enable --now ezkvm-bridge-tap.socket'"});
    }
    return findings;
}

}  // namespace ezkvm::checks
