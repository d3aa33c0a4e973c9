#pragma once
// Internal to lib/qemu: host PCI functions given to the guest (vfio-pci),
// grouped into guest slots. gpu.pci and host.pci share the guest's slots, so
// they are grouped together: functions with the same vm_id slot form one
// group (one multifunction device in the guest), each function without a
// vm_id forms its own. The vm_id slot number is the group's passthrough slot
// (pci.hpp): on q35 the root port the group sits behind (in its slot 0), on
// i440fx one of the root-bus slots kept for passthrough; the function number
// is kept.
#include <string>
#include <vector>

#include "config/passthrough.hpp"

namespace ezkvm::qemu {

struct CommandContext;

struct PassthroughGroup {
    std::vector<config::PassthroughFunction> functions;  // ordered by guest function number
    bool has_gpu_function = false;               // some function comes from gpu.pci
};

std::vector<PassthroughGroup> passthrough_groups(const config::VmSpec& spec);

// The groups with a gpu.pci function (gpu) or the others: each behind its own
// root port on q35, directly in a root-bus slot on i440fx.
void add_passthrough_groups(CommandContext& ctx, bool gpu);

}  // namespace ezkvm::qemu
