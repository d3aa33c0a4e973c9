#pragma once
// One PCI function as sysfs describes it (/sys/bus/pci/devices/<address>).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vfio/host.hpp"

namespace ezkvm::vfio {

inline constexpr const char* vfio_driver = "vfio-pci";

struct PciDevice {
    std::string address;                 // 0000:03:00.0
    std::optional<std::string> driver;   // nullopt: bound to none
    uint32_t pci_class = 0;              // 0x030000 (VGA), 0x060400 (PCI bridge)
    bool boot_vga = false;               // the firmware's display: the host's console
    std::optional<std::string> iommu_group;

    bool is_bridge() const { return (pci_class >> 8) == 0x0604; }
    bool on_vfio() const { return driver == vfio_driver; }
    // "0000:03:00.1 (driver snd_hda_intel)", "0000:03:00.1 (no driver)".
    std::string describe() const;
};

std::string device_dir(const std::string& address);
// A kernel driver's name as sysfs shows it: letters, digits, "_", "-", "." and "+", not "." or "..".
bool valid_driver_name(std::string_view name);
// /sys/bus/pci/drivers/NAME, for a valid name.
std::string driver_dir(const std::string& driver);

// nullopt when the host has no such device.
std::optional<PciDevice> read_device(const Host& host, const std::string& address);

// Whether the kernel has an IOMMU in use: it then lists groups in /sys/kernel/iommu_groups.
bool iommu_active(const Host& host);
// What to do when iommu_active() is false.
std::string no_iommu_message();
// Addresses of the devices in an IOMMU group, sorted.
std::vector<std::string> group_devices(const Host& host, const std::string& group);

}  // namespace ezkvm::vfio
