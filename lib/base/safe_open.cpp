#include "base/safe_open.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace ezkvm {
namespace {

Error path_error(const std::string& what, const std::string& path, int error)
{
    if (error == ELOOP || error == ENOTDIR)
        return Error{fmt::format("cannot {} {}: a part of it is a symbolic link or not a directory, which root does "
                                 "not follow where the VM's user could have made it",
                                 what, path),
                     error};
    return errno_error(fmt::format("cannot {} {}", what, path), error);
}

// A path's names, with "." and empty ones dropped; false when one is "..".
bool split_path(const std::string& path, std::vector<std::string>& names)
{
    for (const auto& part : std::filesystem::path(path)) {
        const std::string name = part.string();
        if (name == "/" || name.empty() || name == ".")
            continue;
        if (name == "..")
            return false;
        names.push_back(name);
    }
    return true;
}

// The target of symlink `name` in `dir` when only root could have made it there: the
// link is root's and so is its directory, which nobody else may write (systemd's
// /var/lib/ezkvm/<vm> -> ../private/ezkvm/<vm> for a dynamic user, a link an admin
// made in /srv). nullopt for any other link.
std::optional<std::string> trusted_link(const Fd& dir, const std::string& name)
{
    struct stat link_st, dir_st;
    if (::fstatat(dir.get(), name.c_str(), &link_st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(link_st.st_mode) ||
        link_st.st_uid != 0 || ::fstat(dir.get(), &dir_st) != 0 || dir_st.st_uid != 0 ||
        (dir_st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return std::nullopt;
    std::string target(4096, '\0');
    const ssize_t n = ::readlinkat(dir.get(), name.c_str(), target.data(), target.size());
    if (n <= 0 || static_cast<size_t>(n) >= target.size())
        return std::nullopt;
    target.resize(static_cast<size_t>(n));
    return target;
}

// Where the walk goes on after the trusted link at `walked`'s end pointing to `target`:
// the names of the whole new path, ".." resolved against what was walked, which are
// real directories.
std::vector<std::string> after_link(std::vector<std::string> walked, const std::string& target,
                                    const std::vector<std::string>& rest)
{
    if (target.starts_with('/'))
        walked.clear();
    for (const auto& part : std::filesystem::path(target)) {
        const std::string name = part.string();
        if (name == "/" || name.empty() || name == ".")
            continue;
        if (name == "..") {
            if (!walked.empty())
                walked.pop_back();
            continue;
        }
        walked.push_back(name);
    }
    walked.insert(walked.end(), rest.begin(), rest.end());
    return walked;
}

// Root's walk: one component at a time from "/", each opened beneath the last with
// O_NOFOLLOW; a symlink only root could have made is followed (a few at most).
Result<Fd> walk(const std::string& path, bool make)
{
    if (!path.starts_with('/'))
        return Error{fmt::format("cannot open {}: not an absolute path", path), EINVAL};
    std::vector<std::string> names;
    if (!split_path(path, names))
        return Error{fmt::format("cannot open {}: it contains \"..\"", path), EINVAL};
    constexpr int max_links = 8;
    for (int links = 0;; ++links) {
        Fd dir(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir)
            return errno_error("cannot open /", errno);
        std::vector<std::string> walked;
        std::optional<std::vector<std::string>> restart;
        for (size_t i = 0; i < names.size() && !restart; ++i) {
            const std::string& name = names[i];
            if (make && ::mkdirat(dir.get(), name.c_str(), 0755) != 0 && errno != EEXIST)
                return path_error("create directory", path, errno);
            Fd next(open_beneath(dir, name, O_RDONLY | O_DIRECTORY));
            if (!next) {
                const int error = errno;
                const auto target = error == ELOOP || error == ENOTDIR ? trusted_link(dir, name) : std::nullopt;
                if (!target || links == max_links)
                    return path_error("open directory", path, error);
                restart = after_link(walked, *target, {names.begin() + static_cast<long>(i) + 1, names.end()});
                continue;
            }
            walked.push_back(name);
            dir = std::move(next);
        }
        if (!restart)
            return dir;
        names = std::move(*restart);
    }
}

}  // namespace

Links links_for(const Owner& owner)
{
    return owner.is_current() ? Links::Follow : Links::Refuse;
}

Result<Fd> open_directory(const std::string& path, Links links)
{
    if (links == Links::Refuse)
        return walk(path, false);
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return path_error("open directory", path, errno);
    return fd;
}

Result<Fd> make_directories(const std::string& path, Links links)
{
    if (links == Links::Refuse)
        return walk(path, true);
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec)
        return Error{fmt::format("cannot create directory {}: {}", path, ec.message()), ec.value()};
    return open_directory(path, links);
}

int open_beneath(const Fd& dir, const std::string& name, int flags, mode_t mode)
{
    if (name.empty() || name.find('/') != std::string::npos || name == "..") {
        errno = EINVAL;
        return -1;
    }
    return ::openat(dir.get(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
}

Result<void> give_fd_to(const Fd& fd, const Owner& owner)
{
    struct stat st;
    if (::fstat(fd.get(), &st) == 0 && st.st_uid == owner.uid && st.st_gid == owner.gid)
        return {};
    if (::fchownat(fd.get(), "", owner.uid, owner.gid, AT_EMPTY_PATH) != 0)
        return errno_error(fmt::format("cannot give it to uid {} gid {}", owner.uid, owner.gid), errno);
    return {};
}

Result<NewFile> create_new_file(const Fd& dir, const std::string& name, mode_t mode)
{
    Fd fd(::openat(dir.get(), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode));
    if (fd)
        return NewFile{std::move(fd), {}};
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        return errno_error("cannot create a file", errno);
    for (int attempt = 0; attempt < 16; ++attempt) {
        unsigned int random = 0;
        if (::getrandom(&random, sizeof random, 0) != sizeof random)
            return errno_error("cannot name a temporary file", errno);
        std::string temp = fmt::format(".{}.{:08x}", name, random);
        fd.reset(open_beneath(dir, temp, O_RDWR | O_CREAT | O_EXCL, mode));
        if (fd)
            return NewFile{std::move(fd), std::move(temp)};
        if (errno != EEXIST)
            break;
    }
    return errno_error("cannot create a file", errno);
}

Result<bool> publish_file(const Fd& dir, NewFile& file, const std::string& name)
{
    const int done = file.temp_name.empty()
                         ? ::linkat(AT_FDCWD, fd_path(file.fd).c_str(), dir.get(), name.c_str(), AT_SYMLINK_FOLLOW)
                         : ::renameat2(dir.get(), file.temp_name.c_str(), dir.get(), name.c_str(), RENAME_NOREPLACE);
    if (done == 0) {
        file.temp_name.clear();
        return true;
    }
    const int error = errno;
    discard_file(dir, file);
    if (error == EEXIST)
        return false;
    return errno_error(fmt::format("cannot name it {}", name), error);
}

void discard_file(const Fd& dir, NewFile& file)
{
    if (!file.temp_name.empty())
        ::unlinkat(dir.get(), file.temp_name.c_str(), 0);
    file.temp_name.clear();
    file.fd.reset();
}

std::string fd_path(const Fd& fd)
{
    return fmt::format("/proc/self/fd/{}", fd.get());
}

}  // namespace ezkvm
