#pragma once
// Network identities two VMs on one host must not share: a NIC's MAC (given or
// derived) puts two guests on one address, and equal link-name hashes would
// make two VMs' taps the same interfaces. Both are errors of `ezkvm check`.
#include <vector>

#include "config/resolve.hpp"

namespace ezkvm::checks {

// An error on `vm` for each MAC or interface name one of `others` has too, naming both files' positions.
void check_network_conflicts(const config::LoadedVm& vm, const std::vector<const config::LoadedVm*>& others,
                             Diagnostics& diags);

}  // namespace ezkvm::checks
