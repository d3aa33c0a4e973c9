#pragma once
// What the host itself needs a PCI device for, so that handing it to a VM would
// take it from under the host: a disk controller whose disks hold mounted file
// systems, swap, or device-mapper / md holders (LVM, LUKS, RAID); the boot
// display while a driver of the host drives it (console, DRM); the NIC carrying
// a default route. Read from sysfs and /proc under the Host's root.
#include <string>
#include <vector>

#include "vfio/device.hpp"
#include "vfio/host.hpp"

namespace ezkvm::vfio {

// One line per use, such as "nvme0n1p2 is mounted at /" or "enp3s0 carries the
// default route"; empty when the host can spare the device.
std::vector<std::string> host_critical_uses(const Host& host, const PciDevice& device);

}  // namespace ezkvm::vfio
