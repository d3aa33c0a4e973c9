#include "base/host_path.hpp"

#include <vector>

namespace ezkvm {
namespace {

// Absolute, without empty, "." or ".." components: normalize_path's own result.
bool is_normal(std::string_view path)
{
    if (path == "/")
        return true;
    if (!path.starts_with('/'))
        return false;
    size_t start = 1;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos)
            slash = path.size();
        const std::string_view part = path.substr(start, slash - start);
        if (part.empty() || part == "." || part == "..")
            return false;
        start = slash + 1;
    }
    return true;
}

bool under(const std::string& path, const std::string& dir)
{
    return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

}  // namespace

std::string normalize_path(std::string_view path)
{
    if (is_normal(path))
        return std::string(path);
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos)
            slash = path.size();
        const std::string_view part = path.substr(start, slash - start);
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = slash + 1;
    }
    std::string out;
    for (const auto part : parts) {
        out += '/';
        out += part;
    }
    return out.empty() ? "/" : out;
}

bool is_device_path(const std::string& path)
{
    const std::string normal = normalize_path(path);
    return under(normal, "/dev") && !under(normal, "/dev/shm");
}

bool is_system_directory(const std::string& dir)
{
    for (const char* tree : {"/etc", "/usr", "/boot", "/proc", "/sys", "/dev", "/run"})
        if (dir == tree || dir.starts_with(std::string(tree) + "/"))
            return true;
    for (const char* own : {"/", "/var", "/var/lib", "/var/cache", "/var/log", "/home", "/root", "/bin", "/sbin",
                            "/lib", "/lib32", "/lib64", "/libx32", "/tmp", "/var/tmp"})
        if (dir == own)
            return true;
    return false;
}

std::string parent_directory(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace ezkvm
