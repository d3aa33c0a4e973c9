#pragma once
// What a VM's NICs add to its units: the bridge and systemd-networkd ordering
// for bridge/nat NICs, a passt service per passt NIC, access to macvtap devices.
#include <string>
#include <vector>

#include "config/resolve.hpp"
#include "units/generated_file.hpp"
#include "units/settings.hpp"
#include "units/unit_file.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::units {

// "ezkvm-passt@<vm>-net<index>.service"
std::string passt_service_name(const std::string& vm, unsigned index);

// passt's command line for NIC `index` (a passt NIC): its socket and pid file in
// the VM's runtime directory and the NIC's port forwards.
std::vector<std::string> passt_argv(const config::VmSpec& spec, const VmPaths& paths, unsigned index,
                                    const UnitSettings& settings);

// The VM unit's [Unit] dependencies and [Service] device access for its NICs.
void add_network_dependencies(UnitFile& unit, const config::VmSpec& spec);

// A drop-in for each passt NIC's ezkvm-passt@.service instance.
std::vector<GeneratedFile> passt_dropins(const config::LoadedVm& vm, const VmPaths& paths,
                                         const UnitSettings& settings);

}  // namespace ezkvm::units
