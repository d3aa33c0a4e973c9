#include "qemu/sections.hpp"

namespace ezkvm::qemu {

// The Apple SMC macOS guests check for, with its key.
void add_applesmc(PlanContext& ctx)
{
    const auto& osk = ctx.spec.system.applesmc_osk;
    if (!osk.empty())
        ctx.args.add("-device", Opts("isa-applesmc").set("osk", osk));
}

void add_balloon(PlanContext& ctx)
{
    if (!ctx.spec.system.memory.balloon)
        return;
    Opts balloon("virtio-balloon-pci");
    balloon.set("id", "balloon");
    ctx.args.add("-device", place(balloon, ctx.pci.next_slot()));
}

}  // namespace ezkvm::qemu
