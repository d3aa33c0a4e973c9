// Memory and the balloon.
#include <fmt/format.h>

#include "import/context.hpp"
#include "import/text.hpp"

namespace ezkvm::import {
namespace {

std::optional<uint64_t> mib(const std::string& text)
{
    if (!all_digits(text) || text.size() > 9)
        return std::nullopt;
    return std::stoull(text);
}

OutNode size_node(uint64_t value)
{
    if (value % 1024 == 0)
        return OutNode::size(value / 1024, 'G');
    return OutNode::number(value);
}

}  // namespace

void map_memory(Context& ctx)
{
    uint64_t memory = 512;  // Proxmox's default (PVE/QemuServer/Memory.pm)
    const QmEntry* entry = ctx.take("memory");
    if (entry) {
        // "4096", or "current=4096" since Proxmox 8.1.
        auto props = ctx.props(*entry, "current");
        if (!props)
            return;
        ctx.unknown_properties(*entry, *props, {"current"});
        const auto value = props->get("current") ? mib(*props->get("current")) : std::nullopt;
        if (!value || *value < 16) {
            ctx.msgs.error(entry->line, fmt::format("memory: expected MiB (16 or more), got '{}'", entry->value));
            return;
        }
        memory = *value;
    }
    bool balloon = true;
    const QmEntry* b = ctx.take("balloon");
    if (b) {
        const auto target = mib(b->value);
        if (!target) {
            ctx.msgs.error(b->line, fmt::format("balloon: expected MiB, got '{}'", b->value));
            return;
        }
        balloon = *target != 0;
        if (*target != 0 && *target < memory)
            warn_gap(ctx.msgs, b->line, Gap::BalloonTarget, fmt::format("balloon {}", *target));
    }
    auto mem = OutNode::flow_map();
    mem.set("max", size_node(memory));
    mem.set("balloon", OutNode::yes_no(balloon));
    // Proxmox turns free page reporting on from machine 6.2 on (PVE/QemuServer.pm, config_to_command).
    if (balloon && ctx.machine.at_least(6, 2))
        mem.set("free_page_reporting", OutNode::yes_no(true));
    ctx.out.set("system.memory", std::move(mem),
                entry ? Context::source(*entry) + (b ? fmt::format(", balloon (line {})", b->line) : "")
                      : "Proxmox's default memory");
    if (const QmEntry* h = ctx.take("hugepages"))
        warn_gap(ctx.msgs, h->line, Gap::Hugepages, "hugepages " + h->value);
}

}  // namespace ezkvm::import
