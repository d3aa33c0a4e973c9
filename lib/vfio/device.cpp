#include "vfio/device.hpp"

#include <charconv>

#include <fmt/format.h>

namespace ezkvm::vfio {
namespace {

constexpr const char* devices_dir = "/sys/bus/pci/devices/";
constexpr const char* groups_dir = "/sys/kernel/iommu_groups";

uint32_t parse_hex(std::string_view text)
{
    if (text.starts_with("0x"))
        text.remove_prefix(2);
    uint32_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value, 16);
    return value;
}

}  // namespace

std::string PciDevice::describe() const
{
    if (!driver)
        return fmt::format("{} (no driver)", address);
    return fmt::format("{} (driver {})", address, *driver);
}

std::string device_dir(const std::string& address)
{
    return devices_dir + address;
}

bool valid_driver_name(std::string_view name)
{
    if (name.empty() || name.size() > 64 || name == "." || name == "..")
        return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == '+'))
            return false;
    return true;
}

std::string driver_dir(const std::string& driver)
{
    return "/sys/bus/pci/drivers/" + driver;
}

std::optional<PciDevice> read_device(const Host& host, const std::string& address)
{
    const std::string dir = device_dir(address);
    if (!host.exists(dir))
        return std::nullopt;
    PciDevice device;
    device.address = address;
    device.driver = host.link_name(dir + "/driver");
    device.pci_class = parse_hex(host.read(dir + "/class").value_or(""));
    device.boot_vga = host.read(dir + "/boot_vga") == "1";
    device.iommu_group = host.link_name(dir + "/iommu_group");
    return device;
}

bool iommu_active(const Host& host)
{
    return !host.list(groups_dir).empty();
}

std::string no_iommu_message()
{
    return "the kernel has no IOMMU in use (/sys/kernel/iommu_groups is empty), so no device can be "
           "passed through: enable VT-d / AMD-Vi in the firmware setup and add intel_iommu=on "
           "(Intel) or amd_iommu=on (AMD) and iommu=pt to the kernel command line, then reboot";
}

std::vector<std::string> group_devices(const Host& host, const std::string& group)
{
    return host.list(fmt::format("{}/{}/devices", groups_dir, group));
}

}  // namespace ezkvm::vfio
