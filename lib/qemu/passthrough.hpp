#pragma once
// Internal to lib/qemu: host PCI functions given to the guest (vfio-pci),
// grouped into guest slots. gpu.pci and host.pci share the guest's slots, so
// they are grouped together: functions with the same vm_id slot form one
// group (one multifunction device in the guest), each function without a
// vm_id forms its own. The vm_id slot number only groups: on q35 a group sits
// in slot 0 behind its own root port, on i440fx in the next free slot; the
// function number is kept.
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

// Behind its own root port on q35, directly in a root-bus slot on i440fx.
void add_passthrough_group(CommandContext& ctx, const PassthroughGroup& group);

}  // namespace ezkvm::qemu
