#pragma once
// Network identities two VMs on one host share: a NIC's MAC (given or derived)
// puts two guests on one address when both run, which VMs taking turns never
// do (the original tool's own example files share a MAC), so `ezkvm check`
// warns and starting one while the other runs fails (ezkvm-helper prepare).
// Equal link-name hashes would make two VMs' taps the same interfaces: an error.
#include <string>
#include <vector>

#include "config/resolve.hpp"

namespace ezkvm::checks {

// The MAC of each NIC, given or derived, in NIC order.
std::vector<std::string> vm_macs(const config::VmSpec& spec);

// A warning on `vm` for each MAC, an error for each interface name, one of
// `others` has too, naming both files' positions.
void check_network_conflicts(const config::LoadedVm& vm, const std::vector<const config::LoadedVm*>& others,
                             Diagnostics& diags);

}  // namespace ezkvm::checks
