#pragma once
// A passthrough VM's dependencies on ezkvm-vfio@<address>.service, the shipped
// unit that binds one host PCI device to vfio-pci while a VM needs it.
#include <string>
#include <vector>

#include "units/unit_file.hpp"

namespace ezkvm::units {

// ezkvm-vfio@0000:03:00.0.service
std::string vfio_unit_name(const std::string& address);

// Requires= and After= on the vfio unit of each host device the VM passes through
// (their addresses, from the plan).
void add_vfio_dependencies(UnitFile& unit, const std::vector<std::string>& addresses);

}  // namespace ezkvm::units
