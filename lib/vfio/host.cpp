#include "vfio/host.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "base/fd.hpp"
#include "base/process.hpp"

namespace ezkvm::vfio {
namespace fs = std::filesystem;

bool Host::exists(const std::string& path) const
{
    std::error_code ec;
    return fs::exists(real(path), ec);
}

std::optional<std::string> Host::read(const std::string& path) const
{
    std::ifstream in(real(path), std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    std::string value = text.str();
    const auto first = value.find_first_not_of(" \t\n\r");
    if (first == std::string::npos)
        return std::string();
    const auto last = value.find_last_not_of(" \t\n\r");
    return value.substr(first, last - first + 1);
}

std::optional<std::string> Host::link_name(const std::string& path) const
{
    std::error_code ec;
    const fs::path target = fs::read_symlink(real(path), ec);
    if (ec)
        return std::nullopt;
    return target.filename().string();
}

std::vector<std::string> Host::list(const std::string& dir) const
{
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(real(dir), ec), end; !ec && it != end; it.increment(ec))
        names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

Result<void> Host::write(const std::string& path, const std::string& value)
{
    const std::string file = real(path);
    Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        return errno_error("cannot open " + file, errno);
    const ssize_t written = ::write(fd.get(), value.data(), value.size());
    if (written < 0)
        return errno_error(fmt::format("writing '{}' to {} failed", value == "\n" ? "\\n" : value, file), errno);
    if (static_cast<size_t>(written) != value.size())
        return Error{fmt::format("writing '{}' to {} was cut short", value, file), EIO};
    return {};
}

Result<void> Host::load_module(const std::string& module)
{
    const auto run = run_capture({"modprobe", module});
    if (!run)
        return Error{fmt::format("cannot load the {} module: {}", module, run.error().message), run.error().errno_value};
    if (!run->status.success())
        return Error{fmt::format("modprobe {} {}: {}", module, run->status.describe(), run->output)};
    return {};
}

}  // namespace ezkvm::vfio
