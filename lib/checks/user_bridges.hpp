#pragma once
// A user VM's bridge and nat NICs get their taps from root's bridge tap service
// (net/bridge_tap.hpp), which gives them to root and group ezkvm, on bridges
// /etc/qemu/bridge.conf allows; a user VM cannot have macvtaps at all. What
// stands in the way, as host findings for check_host.
#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "config/environment.hpp"
#include "config/spec.hpp"

namespace ezkvm::checks {

struct UserBridgeFinding {
    Pos pos;
    std::string path;  // "network[1].bridge"
    std::string message;
    std::string hint;
    bool always_error = false;  // not a host matter: the file cannot work as a user VM
};

std::vector<UserBridgeFinding> user_bridge_findings(const config::VmSpec& spec, const config::Environment& env);

}  // namespace ezkvm::checks
