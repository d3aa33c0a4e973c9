#include "host/kvmfr.hpp"

#include <charconv>
#include <fstream>
#include <vector>

#include <fmt/format.h>

namespace ezkvm::host {
namespace {

std::optional<uint64_t> parse_number(std::string_view text)
{
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::optional<std::string> first_line(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line))
        return std::nullopt;
    return line;
}

// "kvmfr3" -> 3
std::optional<unsigned> minor_of(const std::string& name)
{
    constexpr std::string_view prefix = "kvmfr";
    if (name.rfind(prefix, 0) != 0)
        return std::nullopt;
    const auto number = parse_number(std::string_view(name).substr(prefix.size()));
    return number && *number < 64 ? std::optional<unsigned>(static_cast<unsigned>(*number)) : std::nullopt;
}

std::string base_name(const std::string& device)
{
    const auto slash = device.rfind('/');
    return slash == std::string::npos ? device : device.substr(slash + 1);
}

}  // namespace

std::optional<uint64_t> kvmfr_size(const std::string& device, const std::string& root)
{
    const std::string name = base_name(device);
    if (auto bytes = first_line(fmt::format("{}/sys/class/kvmfr/{}/size", root, name)))
        return parse_number(*bytes);
    const auto minor = minor_of(name);
    const auto sizes = first_line(root + "/sys/module/kvmfr/parameters/static_size_mb");
    if (!minor || !sizes)
        return std::nullopt;
    size_t start = 0;
    for (unsigned index = 0;; ++index) {
        const size_t comma = sizes->find(',', start);
        const auto field = std::string_view(*sizes).substr(start, comma == std::string::npos ? comma : comma - start);
        if (index == *minor) {
            const auto mib = parse_number(field);
            return mib ? std::optional<uint64_t>(*mib << 20) : std::nullopt;
        }
        if (comma == std::string::npos)
            return std::nullopt;
        start = comma + 1;
    }
}

std::string kvmfr_modprobe_hint(const std::string& device, uint64_t size)
{
    const uint64_t mib = (size + (1u << 20) - 1) >> 20;
    const auto minor = minor_of(base_name(device)).value_or(0);
    std::string sizes;
    for (unsigned i = 0; i <= minor; ++i)
        sizes += fmt::format("{}{}", i ? "," : "", mib);
    return fmt::format("load the module with a device that big: modprobe -r kvmfr && modprobe kvmfr static_size_mb={}; "
                       "to keep it, put options kvmfr static_size_mb={} in /etc/modprobe.d/kvmfr.conf",
                       sizes, sizes);
}

}  // namespace ezkvm::host
