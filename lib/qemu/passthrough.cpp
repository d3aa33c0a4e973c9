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

RootPort add_root_port(CommandContext& ctx)
{
    RootPort port = ctx.pci.next_root_port();
    Opts opts("pcie-root-port");
    opts.set("id", port.id);
    place(opts, port.at).set("chassis", port.chassis).set("port", port.port);
    ctx.args.add("-device", opts);
    return port;
}

void add_passthrough_group(CommandContext& ctx, const PassthroughGroup& group)
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
    PciAddr at = ctx.q35() ? PciAllocator::behind(add_root_port(ctx)) : ctx.pci.next_slot();
    const bool several = group.functions.size() > 1;
    for (const auto& member : group.functions) {
        const config::PciFunction* fn = member.function;
        at.function = static_cast<int>(fn->vm_function);
        Opts opts("vfio-pci");
        opts.set("host", fn->host_id);
        place(opts, at);
        if ((fn->vm_function == 0 && several) || fn->multi_function)
            opts.on("multifunction", true);
        if (fn->x_vga)
            opts.on("x-vga", true);
        if (!fn->romfile.empty()) {
            opts.set("romfile", fn->romfile);
            ctx.uses(fn->romfile);
        }
        ctx.args.add("-device", opts);
    }
}

void add_host_pci(CommandContext& ctx)
{
    for (const auto& group : passthrough_groups(ctx.spec))
        if (!group.has_gpu_function)
            add_passthrough_group(ctx, group);
}

}  // namespace ezkvm::qemu
