#pragma once
// Host devices two VM files both pass through (a PCI function in gpu.pci /
// host.pci, a USB device in host.usb). Such VMs can still take turns (one GPU
// for a Windows and a Linux VM), so this is a warning: starting one while the
// other runs is what fails (ezkvm-helper prepare names the VM holding it).
#include <vector>

#include "config/resolve.hpp"

namespace ezkvm::checks {

// A warning on `vm` for each device one of `others` names too, with both files' positions.
void check_device_conflicts(const config::LoadedVm& vm, const std::vector<const config::LoadedVm*>& others,
                            Diagnostics& diags);

}  // namespace ezkvm::checks
