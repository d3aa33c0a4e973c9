#pragma once
// A VM's plan: everything decided about it before anything runs. qemu's
// command (with the host paths it uses, typed), the VM's own paths and the
// host PCI functions it passes through. The units stage and the runners read
// the plan rather than working these out again from the VM file.
#include <string>
#include <vector>

#include "base/vm_paths.hpp"
#include "qemu/command.hpp"

namespace ezkvm::planner {

struct Plan {
    qemu::Command command;
    VmPaths paths;
    std::vector<std::string> passthrough;  // host PCI addresses ("0000:03:00.0"), config::passthrough_addresses
    // The block devices its disks, UEFI variables and TPM state live on, normalized, in that order.
    std::vector<std::string> block_devices;
    bool swtpm = false;                   // a software TPM in units of its own
    bool gl_without_render_node = false;  // GL on a DRM render node qemu picks itself
};

}  // namespace ezkvm::planner
