#pragma once
// A USB device named in a VM file (host.usb), found on the host through sysfs:
// by bus and port (/sys/bus/usb/devices/<bus>-<port>) or by vendor and product
// id. Paths are read under `root` (EZKVM_ROOT), so tests use fixture trees.
#include <optional>
#include <string>

#include "config/spec.hpp"

namespace ezkvm::host {

struct UsbNode {
    std::string sysfs_name;  // "1-2.2"
    unsigned bus = 0;        // busnum
    unsigned device = 0;     // devnum
    std::string node;        // /dev/bus/usb/001/004 (unprefixed)
};

// "bus 1 port 2.2" or "id 046d:c52b", as messages name the device.
std::string describe(const config::UsbHostDevice& dev);

// Whether the host has a USB bus in sysfs at all (else nothing can be looked up).
bool has_usb_sysfs(const std::string& root);

// nullopt when no device there matches (for ids: the first match in sysfs order).
std::optional<UsbNode> find_usb_device(const config::UsbHostDevice& dev, const std::string& root);

// Whether two entries of host.usb name the same device (same bus/port, or same ids).
bool same_usb_device(const config::UsbHostDevice& a, const config::UsbHostDevice& b);

}  // namespace ezkvm::host
