#include "qemu/passthrough.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "qemu/sections.hpp"

namespace ezkvm::qemu {

std::vector<PassthroughGroup> passthrough_groups(const config::VmSpec& spec)
{
    std::vector<PassthroughGroup> groups;
    std::vector<int> slot_group(0x20, -1);  // vm_id slot -> index in groups
    for (auto& passed : config::passthrough_functions(spec)) {
        const config::PciFunction& fn = *passed.function;
        PassthroughGroup* group = nullptr;
        if (fn.vm_id_given && fn.vm_slot < slot_group.size() && slot_group[fn.vm_slot] >= 0) {
            group = &groups[static_cast<size_t>(slot_group[fn.vm_slot])];
        } else {
            if (fn.vm_id_given && fn.vm_slot < slot_group.size())
                slot_group[fn.vm_slot] = static_cast<int>(groups.size());
            group = &groups.emplace_back();
        }
        group->has_gpu_function = group->has_gpu_function || passed.gpu;
        group->functions.push_back(std::move(passed));
    }
    for (auto& group : groups)
        std::stable_sort(group.functions.begin(), group.functions.end(),
                         [](const auto& a, const auto& b) { return a.function->vm_function < b.function->vm_function; });
    return groups;
}

void add_root_port(CommandContext& ctx, const RootPort& port)
{
    Opts opts("pcie-root-port");
    opts.set("id", port.id).set("chassis", port.chassis).set("port", port.port);
    ctx.add_pci_device(opts, port.at);
}

namespace {

// The passthrough slot of each group: its vm_id slot, else the next slot of
// the half kept for groups without vm_id (q35), or the next one no vm_id
// claimed (i440fx).
std::vector<unsigned> passthrough_slots(const std::vector<PassthroughGroup>& groups, bool q35)
{
    std::vector<unsigned> slots;
    std::vector<bool> claimed(kPassthroughSlotsByVmId, false);
    for (const auto& group : groups) {
        const auto& fn = *group.functions.front().function;
        if (fn.vm_id_given && fn.vm_slot < claimed.size())
            claimed[fn.vm_slot] = true;
    }
    unsigned next_auto = q35 ? kPassthroughSlotsByVmId : 0;
    for (const auto& group : groups) {
        const auto& fn = *group.functions.front().function;
        if (fn.vm_id_given) {
            slots.push_back(fn.vm_slot);
            continue;
        }
        while (!q35 && next_auto < claimed.size() && claimed[next_auto])
            ++next_auto;
        slots.push_back(next_auto++);
    }
    return slots;
}

void add_passthrough_group(CommandContext& ctx, const PassthroughGroup& group, unsigned slot)
{
    const auto& first = *group.functions.front().function;
    if (first.vm_function != 0) {
        ctx.diags.error(first.pos, group.functions.front().key + ".vm_id",
                        fmt::format("guest slot {:x} has no function 0: a guest only finds the other functions of a "
                                    "slot next to function 0",
                                    first.vm_slot),
                        fmt::format("give one function of slot {:x} the vm_id {:x}.0", first.vm_slot, first.vm_slot));
        return;
    }
    PciAddr at;
    if (ctx.q35()) {
        const RootPort port = ctx.pci.passthrough_root_port(slot);
        add_root_port(ctx, port);
        at = PciAllocator::behind(port);
    } else {
        at = ctx.pci.passthrough_slot(slot);
    }
    const bool several = group.functions.size() > 1;
    for (const auto& member : group.functions) {
        const config::PciFunction* fn = member.function;
        at.function = static_cast<int>(fn->vm_function);
        Opts opts("vfio-pci");
        opts.set("host", fn->host_id);
        const bool multifunction = (fn->vm_function == 0 && several) || fn->multi_function;
        if (multifunction)
            opts.on("multifunction", true);
        if (fn->x_vga)
            opts.on("x-vga", true);
        if (!fn->romfile.empty()) {
            opts.set("romfile", fn->romfile);
            ctx.uses(fn->romfile);
        }
        if (at.on_root_bus)
            ctx.add_pci_device(opts, at, multifunction);
        else
            ctx.args.add("-device", place(opts, at));
    }
}

}  // namespace

void add_passthrough_groups(CommandContext& ctx, bool gpu)
{
    const auto groups = passthrough_groups(ctx.spec);
    const auto slots = passthrough_slots(groups, ctx.q35());
    for (size_t i = 0; i < groups.size(); ++i)
        if (groups[i].has_gpu_function == gpu)
            add_passthrough_group(ctx, groups[i], slots[i]);
}

void add_host_pci(CommandContext& ctx) { add_passthrough_groups(ctx, false); }

}  // namespace ezkvm::qemu
