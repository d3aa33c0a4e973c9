#include "base/private_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/safe_open.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm {

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
    const auto p = std::filesystem::path(path);
    auto dir = open_directory(p.parent_path().string(), links_for(owner));
    Fd fd;
    if (dir)
        fd.reset(open_beneath(*dir, p.filename().string(), O_PATH));
    const auto given = fd ? give_fd_to(fd, owner) : Result<void>(errno_error("cannot open it", dir ? errno : 0));
    if (!dir || !given) {
        diags.error({}, {}, fmt::format("cannot give {} to uid {} gid {}: {}", path, owner.uid, owner.gid,
                                        dir ? given.error().message : dir.error().message),
                    "run ezkvm as root to prepare VMs for another user");
        return false;
    }
    return true;
}

std::optional<Fd> private_dir(const std::string& path, const Owner& owner, Diagnostics& diags)
{
    const auto p = std::filesystem::path(path);
    auto parent = make_directories(p.parent_path().string(), links_for(owner));
    if (!parent) {
        diags.error({}, {}, parent.error().message,
                    "check the permissions of its parent, or point EZKVM_RUNTIME_DIR / EZKVM_STATE_DIR elsewhere");
        return std::nullopt;
    }
    const std::string name = p.filename().string();
    if (::mkdirat(parent->get(), name.c_str(), 0700) != 0 && errno != EEXIST) {
        diags.error({}, {}, fmt::format("cannot create directory {}: {}", path, std::strerror(errno)));
        return std::nullopt;
    }
    Fd dir(open_beneath(*parent, name, O_RDONLY | O_DIRECTORY));
    if (!dir) {
        diags.error({}, {}, fmt::format("{} is not a directory", path),
                    "remove it; ezkvm keeps the VM's own files there");
        return std::nullopt;
    }
    struct stat st;
    if (::fstat(dir.get(), &st) != 0 ||
        ((st.st_mode & 07777) != 0700 && ::fchmod(dir.get(), 0700) != 0)) {
        diags.error({}, {}, fmt::format("cannot make {} private (mode 0700): {}", path, std::strerror(errno)));
        return std::nullopt;
    }
    if (auto given = give_fd_to(dir, owner); !given) {
        diags.error({}, {}, fmt::format("cannot give {} to its VM's user: {}", path, given.error().message),
                    "run ezkvm as root to prepare VMs for another user");
        return std::nullopt;
    }
    return dir;
}

Result<Fd> host_state_subdir(const std::string& root, const std::string& name)
{
    auto made_private = [](const std::string& path) -> Result<Fd> {
        auto dir = make_directories(path, Links::Refuse);
        if (dir && ::fchmod(dir->get(), 0700) != 0)
            return errno_error("cannot make " + path + " private", errno);
        return dir;
    };
    if (auto base = made_private(root + host_state_dir); !base)
        return base.error();
    return made_private(root + host_state_dir + "/" + name);
}

bool ensure_private_dir(const std::string& path, const Owner& owner, Diagnostics& diags)
{
    return private_dir(path, owner, diags).has_value();
}

}  // namespace ezkvm
