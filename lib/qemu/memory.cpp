#include <string>

#include "qemu/sections.hpp"

namespace ezkvm::qemu {

bool has_memory_backend(const CommandContext& ctx)
{
    const auto& mem = ctx.spec.system.memory;
    return mem.hugepage_mib != 0 || mem.shared;
}

void add_memory(CommandContext& ctx)
{
    const auto& mem = ctx.spec.system.memory;
    ctx.args.add("-m", std::to_string(mem.mib));
    if (has_memory_backend(ctx)) {
        // memfd: no hugetlbfs mount to find or to give the sandbox; hugetlb pages are
        // preallocated so a host short of them fails the start, not the running guest.
        Opts backend("memory-backend-memfd");
        backend.set("id", memory_backend_id).set("size", std::to_string(mem.mib) + "M");
        if (mem.hugepage_mib)
            backend.on("hugetlb", true).set("hugetlbsize", std::to_string(mem.hugepage_mib) + "M").on("prealloc", true);
        backend.on("share", mem.shared);
        ctx.args.add("-object", backend);
    }
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
