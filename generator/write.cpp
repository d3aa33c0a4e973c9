#include "generator/write.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ezkvm::generator {
namespace {

constexpr mode_t file_mode = 0644;
constexpr mode_t dir_mode = 0755;

Error why(const std::string& path, int error)
{
    return errno_error(path, error);
}

Error exists_already(const std::string& path)
{
    return {fmt::format("{} exists already (generated twice?)", path), EEXIST};
}

std::string parent_of(const std::string& relative)
{
    const auto slash = relative.rfind('/');
    return slash == std::string::npos ? "." : relative.substr(0, slash);
}

mode_t current_umask()
{
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

Result<void> write_all(int fd, const std::string& text, const std::string& path)
{
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return why(path, errno);
        done += static_cast<size_t>(n);
    }
    return {};
}

// Moves `from` to `to` unless `to` exists. Filesystems without
// RENAME_NOREPLACE get link()+unlink(), which is just as exclusive.
int rename_exclusive(const std::string& from, const std::string& to)
{
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return errno;
    if (::link(from.c_str(), to.c_str()) != 0)
        return errno;
    ::unlink(from.c_str());
    return 0;
}

}  // namespace

OutputDir::OutputDir(std::string path)
    : path_(std::move(path)), dir_(::open(path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC))
{
    if (!dir_)
        open_error_ = errno;
    anonymous_files_ = ::access("/proc/self/fd", F_OK) == 0;
    mode_needs_fchmod_ = (current_umask() & file_mode) != 0;
}

std::string OutputDir::full(const std::string& relative) const
{
    return path_ + "/" + relative;
}

// mkdir -p of the directories leading to `relative`, each tried once per run.
Result<void> OutputDir::make_parents(const std::string& relative)
{
    for (size_t slash = relative.find('/'); slash != std::string::npos; slash = relative.find('/', slash + 1)) {
        std::string sub = relative.substr(0, slash);
        if (dirs_.count(sub))
            continue;
        if (::mkdirat(dir_.get(), sub.c_str(), dir_mode) != 0 && errno != EEXIST)
            return why(full(sub), errno);
        dirs_.insert(std::move(sub));
    }
    return {};
}

// An anonymous file (O_TMPFILE), written, then linked in under its name: it
// appears complete or not at all, linkat() refuses a name that is taken, and a
// crash leaves nothing behind.
Result<void> OutputDir::write_regular(const std::string& relative, const std::string& content)
{
    if (!anonymous_files_)
        return write_renamed(relative, content);
    const std::string parent = parent_of(relative);
    Fd fd(::openat(dir_.get(), parent.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, file_mode));
    if (!fd) {
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            return why(full(parent), errno);
        anonymous_files_ = false;  // a file system (or kernel) without O_TMPFILE
        return write_renamed(relative, content);
    }
    if (auto written = write_all(fd.get(), content, full(relative)); !written)
        return written;
    if (mode_needs_fchmod_ && ::fchmod(fd.get(), file_mode) != 0)
        return why(full(relative), errno);
    const std::string self = fmt::format("/proc/self/fd/{}", fd.get());
    if (::linkat(AT_FDCWD, self.c_str(), dir_.get(), relative.c_str(), AT_SYMLINK_FOLLOW) == 0)
        return {};
    return errno == EEXIST ? exists_already(full(relative)) : why(full(relative), errno);
}

// The fallback: a named temporary file renamed into place.
Result<void> OutputDir::write_renamed(const std::string& relative, const std::string& content)
{
    const std::string path = full(relative);
    const auto slash = path.rfind('/');
    std::string temp = path.substr(0, slash + 1) + "." + path.substr(slash + 1) + ".XXXXXX";
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0)
        return why(temp, errno);
    auto written = write_all(fd, content, temp);
    if (written && ::fchmod(fd, file_mode) != 0)
        written = why(temp, errno);
    if (::close(fd) != 0 && written)
        written = why(temp, errno);
    if (written) {
        if (const int e = rename_exclusive(temp, path); e != 0)
            written = e == EEXIST ? exists_already(path) : why(path, e);
    }
    if (!written)
        ::unlink(temp.c_str());
    return written;
}

Result<void> OutputDir::write_symlink(const std::string& relative, const std::string& target)
{
    if (::symlinkat(target.c_str(), dir_.get(), relative.c_str()) == 0)
        return {};
    if (errno != EEXIST)
        return why(full(relative), errno);
    char existing[4096];
    const ssize_t n = ::readlinkat(dir_.get(), relative.c_str(), existing, sizeof existing);
    if (n >= 0 && std::string(existing, static_cast<size_t>(n)) == target)
        return {};  // the same link: harmless (systemd's generators allow it too)
    return Error{fmt::format("{} exists already and does not point to {}", full(relative), target), EEXIST};
}

Result<void> OutputDir::write_exclusive(const units::GeneratedFile& file)
{
    if (!dir_)
        return why(path_, open_error_);
    if (auto made = make_parents(file.path); !made)
        return made;
    return file.is_symlink() ? write_symlink(file.path, file.target) : write_regular(file.path, file.content);
}

}  // namespace ezkvm::generator
