#pragma once
// What a VM file needs from the host but cannot know itself: disks, devices,
// firmware pieces, PCI addresses. `ezkvm check` reports these as warnings
// (files are written before their disks exist, or on another machine);
// starting a VM turns them into errors.
#include "config/environment.hpp"
#include "config/resolve.hpp"

namespace ezkvm::checks {

void check_host(const config::LoadedVm& vm, const config::Environment& env, HostProblems severity,
                Diagnostics& diags);

}  // namespace ezkvm::checks
