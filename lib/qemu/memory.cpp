#include <string>

#include "qemu/sections.hpp"

namespace ezkvm::qemu {

void add_memory(CommandContext& ctx)
{
    ctx.args.add("-m", std::to_string(ctx.spec.system.memory.mib));
    if (ctx.spec.system.rtc == config::Rtc::LocalTime)
        ctx.args.add("-rtc", Opts().set("base", "localtime").set("driftfix", "slew"));
    else
        ctx.args.add("-rtc", Opts().set("base", "utc"));
}

void add_balloon(CommandContext& ctx)
{
    if (!ctx.spec.system.memory.balloon)
        return;
    Opts balloon("virtio-balloon-pci");
    balloon.set("id", "balloon");
    if (ctx.spec.system.memory.free_page_reporting)
        balloon.on("free-page-reporting", true);
    ctx.add_pci_device(balloon, ctx.pci.slot_for(PciKind::Balloon, 0));
}

}  // namespace ezkvm::qemu
