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

std::string why(const std::string& path, int error)
{
    return fmt::format("{}: {}", path, std::strerror(error));
}

// mkdir -p of the directories of `relative` below `dir`.
std::optional<std::string> make_parents(const std::string& dir, const std::string& relative)
{
    for (size_t slash = relative.find('/'); slash != std::string::npos; slash = relative.find('/', slash + 1)) {
        const std::string sub = dir + "/" + relative.substr(0, slash);
        if (::mkdir(sub.c_str(), 0755) != 0 && errno != EEXIST)
            return why(sub, errno);
    }
    return std::nullopt;
}

std::optional<std::string> write_all(int fd, const std::string& text, const std::string& path)
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
    return std::nullopt;
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

std::optional<std::string> write_regular(const std::string& path, const std::string& content)
{
    const auto slash = path.rfind('/');
    std::string temp = path.substr(0, slash + 1) + "." + path.substr(slash + 1) + ".XXXXXX";
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0)
        return why(temp, errno);
    auto error = write_all(fd, content, temp);
    if (!error && ::fchmod(fd, 0644) != 0)
        error = why(temp, errno);
    if (::close(fd) != 0 && !error)
        error = why(temp, errno);
    if (!error) {
        if (const int e = rename_exclusive(temp, path); e != 0)
            error = e == EEXIST ? fmt::format("{} exists already (generated twice?)", path) : why(path, e);
    }
    if (error)
        ::unlink(temp.c_str());
    return error;
}

std::optional<std::string> write_symlink(const std::string& path, const std::string& target)
{
    if (::symlink(target.c_str(), path.c_str()) == 0)
        return std::nullopt;
    if (errno != EEXIST)
        return why(path, errno);
    char existing[4096];
    const ssize_t n = ::readlink(path.c_str(), existing, sizeof existing);
    if (n >= 0 && std::string(existing, static_cast<size_t>(n)) == target)
        return std::nullopt;  // the same link: harmless (systemd's generators allow it too)
    return fmt::format("{} exists already and does not point to {}", path, target);
}

}  // namespace

std::optional<std::string> write_exclusive(const std::string& dir, const units::GeneratedFile& file)
{
    if (auto error = make_parents(dir, file.path))
        return error;
    const std::string path = dir + "/" + file.path;
    return file.is_symlink() ? write_symlink(path, file.target) : write_regular(path, file.content);
}

}  // namespace ezkvm::generator
