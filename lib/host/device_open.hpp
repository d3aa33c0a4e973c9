#pragma once
// Whether a user could open a device node for reading and writing, as the
// kernel would decide it (mode, group, ACL): checked for real by a child that
// takes on the user's identity when we are root, by trying when we are that
// user, and from the mode bits and the ACL's user entry otherwise.
#include <sys/types.h>

#include <optional>
#include <string>

namespace ezkvm::host {

struct UserIdentity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
};

// nullopt when there is no such user.
std::optional<UserIdentity> find_user(const std::string& name);

bool may_open_rw(const std::string& path, const UserIdentity& user);

}  // namespace ezkvm::host
