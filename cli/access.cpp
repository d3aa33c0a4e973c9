#include "cli/access.hpp"

#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "base/groups.hpp"

namespace ezkvm::cli {
bool may_read_system_journal()
{
    return ::geteuid() == 0 || process_in_group("systemd-journal") || process_in_group("adm") ||
           process_in_group("wheel");
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
