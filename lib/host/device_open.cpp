#include "host/device_open.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "host/device_acl.hpp"

namespace ezkvm::host {
namespace {

std::vector<gid_t> groups_of(const UserIdentity& user)
{
    int count = 32;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<size_t>(count));
        ::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count);
    }
    groups.resize(static_cast<size_t>(std::max(count, 0)));
    return groups;
}

bool opens(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return false;
    ::close(fd);
    return true;
}

// As root: a child with the user's identity tries.
bool opens_as(const std::string& path, const UserIdentity& user)
{
    const auto groups = groups_of(user);
    const pid_t pid = ::fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        const bool dropped = ::setgroups(groups.size(), groups.data()) == 0 && ::setgid(user.gid) == 0 &&
                             ::setuid(user.uid) == 0;
        ::_exit(dropped && opens(path) ? 0 : 1);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Without root: what the mode bits and an ACL entry for the user allow.
bool mode_allows(const std::string& path, const UserIdentity& user)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return false;
    if (has_user_entry(path, user.uid))
        return true;
    if (st.st_uid == user.uid)
        return (st.st_mode & (S_IRUSR | S_IWUSR)) == (S_IRUSR | S_IWUSR);
    for (gid_t gid : groups_of(user))
        if (gid == st.st_gid)
            return (st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP);
    return (st.st_mode & (S_IROTH | S_IWOTH)) == (S_IROTH | S_IWOTH);
}

}  // namespace

std::optional<UserIdentity> find_user(const std::string& name)
{
    const passwd* pw = ::getpwnam(name.c_str());
    if (!pw)
        return std::nullopt;
    return UserIdentity{pw->pw_uid, pw->pw_gid, pw->pw_name};
}

bool may_open_rw(const std::string& path, const UserIdentity& user)
{
    if (user.uid == ::geteuid())
        return opens(path);
    if (::geteuid() == 0)
        return user.uid == 0 || opens_as(path, user);
    return mode_allows(path, user);
}

}  // namespace ezkvm::host
