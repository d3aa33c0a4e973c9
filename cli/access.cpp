#include "cli/access.hpp"

#include <cerrno>
#include <grp.h>
#include <unistd.h>

#include <vector>

#include <fmt/format.h>

namespace ezkvm::cli {
namespace {

bool in_group(const char* name)
{
    const group* g = ::getgrnam(name);
    if (!g)
        return false;
    if (::getegid() == g->gr_gid)
        return true;
    const int count = ::getgroups(0, nullptr);
    std::vector<gid_t> groups(static_cast<size_t>(std::max(count, 0)));
    if (count > 0 && ::getgroups(count, groups.data()) == count)
        for (gid_t gid : groups)
            if (gid == g->gr_gid)
                return true;
    return false;
}

}  // namespace

bool may_read_system_journal()
{
    return ::geteuid() == 0 || in_group("systemd-journal") || in_group("adm") || in_group("wheel");
}

bool may_reach_sockets(const VmPaths& paths)
{
    return ::access(paths.runtime_dir.c_str(), X_OK) == 0 || errno != EACCES;
}

std::string sockets_hint(const std::string& command, const std::string& vm)
{
    return fmt::format("root can (sudo ezkvm {} {}); a VM you use yourself is best your own user VM "
                       "(~/.config/ezkvm/, ezkvm --user ...)",
                       command, vm);
}

}  // namespace ezkvm::cli
