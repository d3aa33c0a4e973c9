#include "base/private_dir.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ezkvm {
namespace {

bool make_parents(const std::filesystem::path& dir, Diagnostics& diags)
{
    std::error_code ec;
    const auto parent = dir.parent_path();
    if (parent.empty() || std::filesystem::is_directory(parent, ec))
        return true;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
        diags.error({}, {}, fmt::format("cannot create directory {}: {}", parent.string(), ec.message()),
                    "check the permissions of its parent, or point EZKVM_RUNTIME_DIR / EZKVM_STATE_DIR elsewhere");
        return false;
    }
    return true;
}

}  // namespace

Owner Owner::current()
{
    return Owner{::geteuid(), ::getegid()};
}

bool Owner::is_current() const
{
    return uid == ::geteuid() && gid == ::getegid();
}

bool give_to(const std::string& path, const Owner& owner, Diagnostics& diags)
{
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && st.st_uid == owner.uid && st.st_gid == owner.gid)
        return true;
    if (::lchown(path.c_str(), owner.uid, owner.gid) != 0) {
        diags.error({}, {}, fmt::format("cannot give {} to uid {} gid {}: {}", path, owner.uid, owner.gid,
                                        std::strerror(errno)),
                    "run ezkvm as root to prepare VMs for another user");
        return false;
    }
    return true;
}

bool ensure_private_dir(const std::string& path, const Owner& owner, Diagnostics& diags)
{
    if (!make_parents(path, diags))
        return false;
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
        diags.error({}, {}, fmt::format("cannot create directory {}: {}", path, std::strerror(errno)));
        return false;
    }
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        diags.error({}, {}, fmt::format("{} is not a directory", path),
                    "remove it; ezkvm keeps the VM's own files there");
        return false;
    }
    if ((st.st_mode & 07777) != 0700 && ::chmod(path.c_str(), 0700) != 0) {
        diags.error({}, {}, fmt::format("cannot make {} private (mode 0700): {}", path, std::strerror(errno)));
        return false;
    }
    return give_to(path, owner, diags);
}

}  // namespace ezkvm
