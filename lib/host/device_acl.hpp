#pragma once
// Access for one more user to a device node through a POSIX ACL entry
// (user:<uid>:rw-), the way logind's uaccess gives the seat's user its devices:
// the node's owner, group and mode stay as udev made them, and taking the
// entry away restores them exactly.
#include <sys/types.h>

#include <optional>
#include <string>

#include "base/result.hpp"

namespace ezkvm::host {

// Errors name the path.
Result<void> grant_user_rw(const std::string& path, uid_t uid);
// Removes the user's entry; a node without one (or gone: unplugged) is fine.
Result<void> revoke_user(const std::string& path, uid_t uid);
// Whether the node's ACL has an entry for the user (tests, diagnostics).
bool has_user_entry(const std::string& path, uid_t uid);

}  // namespace ezkvm::host
