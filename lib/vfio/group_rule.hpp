#pragma once
// The IOMMU group rule: a device can only be handed to a VM when nothing else
// in its IOMMU group stays with the host. Every other device in the group must
// be passed through by the same VM (it is then bound together with the device,
// whichever of the VM's units runs first), already be on vfio-pci for that VM,
// be a PCI bridge, or have no driver.
#include <optional>
#include <string>
#include <vector>

#include "vfio/claims.hpp"
#include "vfio/device.hpp"

namespace ezkvm::vfio {

struct GroupDecision {
    std::vector<std::string> companions;  // to bind before the device itself, sorted
    std::optional<std::string> refusal;   // names the blocking devices and the choices
};

GroupDecision check_group(const Host& host, const PciDevice& device, const Claims& claims);

}  // namespace ezkvm::vfio
