#include "host/usb_device.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace ezkvm::host {
namespace {

constexpr const char* devices_dir = "/sys/bus/usb/devices";

std::optional<std::string> read_attribute(const fs::path& dir, const char* name)
{
    std::ifstream in(dir / name);
    std::string value;
    if (!in || !std::getline(in, value))
        return std::nullopt;
    while (!value.empty() && (value.back() == ' ' || value.back() == '\r'))
        value.pop_back();
    return value;
}

std::optional<unsigned> read_number(const fs::path& dir, const char* name)
{
    const auto text = read_attribute(dir, name);
    if (!text || text->empty())
        return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size())
        return std::nullopt;
    return value;
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// A device directory (not an interface like 1-2:1.0) with its bus and device numbers.
std::optional<UsbNode> node_of(const fs::path& dir)
{
    const std::string name = dir.filename().string();
    if (name.find(':') != std::string::npos)
        return std::nullopt;
    const auto bus = read_number(dir, "busnum");
    const auto device = read_number(dir, "devnum");
    if (!bus || !device || *bus > 999 || *device > 999)
        return std::nullopt;
    return UsbNode{name, *bus, *device, fmt::format("/dev/bus/usb/{:03}/{:03}", *bus, *device)};
}

bool has_ids(const fs::path& dir, const config::UsbHostDevice& dev)
{
    const auto vendor = read_attribute(dir, "idVendor");
    const auto product = read_attribute(dir, "idProduct");
    return vendor && product && lower(*vendor) == dev.vendor_id && lower(*product) == dev.product_id;
}

}  // namespace

std::string describe(const config::UsbHostDevice& dev)
{
    if (!dev.host_bus.empty())
        return fmt::format("bus {} port {}", dev.host_bus, dev.host_port);
    return fmt::format("id {}:{}", dev.vendor_id, dev.product_id);
}

bool has_usb_sysfs(const std::string& root)
{
    std::error_code ec;
    return fs::is_directory(root + devices_dir, ec);
}

std::optional<UsbNode> find_usb_device(const config::UsbHostDevice& dev, const std::string& root)
{
    const fs::path dir = root + devices_dir;
    if (!dev.host_bus.empty()) {
        // The bus is a plain number in sysfs names ("1-2.2"), whatever the file wrote ("001").
        unsigned bus = 0;
        const auto [end, ec] = std::from_chars(dev.host_bus.data(), dev.host_bus.data() + dev.host_bus.size(), bus);
        if (ec != std::errc{} || end != dev.host_bus.data() + dev.host_bus.size())
            return std::nullopt;
        return node_of(dir / fmt::format("{}-{}", bus, dev.host_port));
    }
    std::vector<fs::path> entries;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        entries.push_back(entry.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries)
        if (has_ids(entry, dev))
            if (auto node = node_of(entry))
                return node;
    return std::nullopt;
}

bool same_usb_device(const config::UsbHostDevice& a, const config::UsbHostDevice& b)
{
    if (!a.host_bus.empty() || !b.host_bus.empty())
        return a.host_bus == b.host_bus && a.host_port == b.host_port;
    return a.vendor_id == b.vendor_id && a.product_id == b.product_id;
}

}  // namespace ezkvm::host
