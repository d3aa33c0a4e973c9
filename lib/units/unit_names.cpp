#include "units/unit_names.hpp"


#include <fmt/format.h>

#include "base/host_path.hpp"

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

}  // namespace

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
