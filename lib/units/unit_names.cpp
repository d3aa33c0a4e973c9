#include "units/unit_names.hpp"

#include <vector>

#include <fmt/format.h>

namespace ezkvm::units {
namespace {

// systemd's UNIT_NAME_MAX counts the terminating NUL.
constexpr size_t max_unit_name = 255;

bool plain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
           c == '.';
}

std::optional<std::string> with_suffix(std::string name, std::string_view suffix)
{
    name += suffix;
    if (name.size() > max_unit_name)
        return std::nullopt;
    return name;
}

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

std::string escape_path(std::string_view path)
{
    const std::string normal = normalize_path(path);
    if (normal == "/")
        return "-";
    std::string out;
    const std::string_view rest = std::string_view(normal).substr(1);
    for (size_t i = 0; i < rest.size(); ++i) {
        const char c = rest[i];
        if (c == '/')
            out += '-';
        else if (plain_char(c) && !(i == 0 && c == '.'))  // no unit name starts with '.'
            out += c;
        else
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    return out;
}

std::optional<std::string> device_unit(std::string_view device_path)
{
    return with_suffix(escape_path(device_path), ".device");
}

std::optional<std::string> net_device_unit(std::string_view interface_name)
{
    return device_unit("/sys/subsystem/net/devices/" + std::string(interface_name));
}

}  // namespace ezkvm::units
