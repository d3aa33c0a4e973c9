#pragma once
// The admin's consent to users' taps on a bridge: QEMU's own bridge helper ACL,
// /etc/qemu/bridge.conf, read as qemu-bridge-helper reads it. Lines are
// "allow BRIDGE", "deny BRIDGE" (BRIDGE may be "all"), "include FILE" and
// comments from '#'; a bridge is allowed when an allow line names it and no
// deny line does. A missing file allows nothing.
#include <string>

#include "base/result.hpp"

namespace ezkvm::net {

inline constexpr const char* bridge_acl_file = "/etc/qemu/bridge.conf";

// Whether the ACL at `path` (with its includes, each read under `root`) allows
// `bridge`. Errors: an unreadable include, an unknown line, includes nested too deep.
Result<bool> bridge_allowed(const std::string& root, const std::string& path, const std::string& bridge);

}  // namespace ezkvm::net
