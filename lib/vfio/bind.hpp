#pragma once
// Handing a PCI device to vfio-pci and giving it back.
//
// bind: checks the device, the IOMMU and the device's group (group_rule.hpp),
// remembers each device's driver (state.hpp), then for the group companions
// and the device: driver_override = vfio-pci, unbind from the current driver,
// drivers_probe; loads vfio-pci first when the kernel lacks it. Binding a
// device that is on vfio-pci already changes nothing.
// release: unbind from vfio-pci, clear driver_override, bind to the remembered
// driver (drivers_probe when it had none), forget it. A device ezkvm did not
// bind is left alone.
#include <optional>
#include <string>
#include <vector>

#include "vfio/claims.hpp"
#include "vfio/host.hpp"

namespace ezkvm::vfio {

struct Outcome {
    std::vector<std::string> notes;     // what was done
    std::vector<std::string> warnings;
    std::optional<std::string> error;  // what stopped it

    bool ok() const { return !error; }
};

Outcome bind(Host& host, const std::string& address, const Claims& claims);
Outcome release(Host& host, const std::string& address);

}  // namespace ezkvm::vfio
