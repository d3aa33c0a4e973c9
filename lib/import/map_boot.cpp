// The boot order: `boot: order=scsi0;ide2;net0`, or the legacy `boot: cdn`
// with `bootdisk`. Disks and NICs get boot_index by their place in it; USB
// and PCI devices cannot take one in ezkvm. Proxmox's firmware boot policy
// comes with it.
#include <fmt/format.h>

#include "import/context.hpp"
#include "import/text.hpp"

namespace ezkvm::import {
namespace {

bool is_cdrom(const QmEntry& e)
{
    return e.value.find("media=cdrom") != std::string::npos;
}

std::vector<std::string> legacy_order(const Context& ctx, const std::string& letters)
{
    std::vector<std::string> order;
    const QmEntry* bootdisk = ctx.conf.find("bootdisk");
    for (char c : letters) {
        if (c == 'c' && bootdisk && ctx.conf.find(bootdisk->value))
            order.push_back(bootdisk->value);
        if (c == 'd')
            for (const char* bus : {"ide", "sata", "scsi", "virtio"})
                for (const QmEntry* e : ctx.conf.numbered(bus))
                    if (is_cdrom(*e))
                        order.push_back(e->key);
        if (c == 'n')
            for (const QmEntry* e : ctx.conf.numbered("net"))
                order.push_back(e->key);
    }
    return order;
}

}  // namespace

void map_boot_order(Context& ctx)
{
    const QmEntry* boot = ctx.take("boot");
    ctx.take("bootdisk");
    // PVE/QemuServer.pm gives every VM -boot menu=on,strict=on,reboot-timeout=1000 (and its splash image).
    auto policy = OutNode::flow_map();
    policy.set("menu", OutNode::yes_no(true));
    policy.set("strict", OutNode::yes_no(true));
    policy.set("reboot_timeout", OutNode::number(1));
    ctx.out.set("system.boot", std::move(policy), "Proxmox's boot policy");
    std::vector<std::string> order;
    if (!boot) {
        order = legacy_order(ctx, "cdn");
    } else if (boot->value.find('=') == std::string::npos) {
        order = legacy_order(ctx, boot->value);
    } else {
        auto props = ctx.props(*boot, "legacy");
        if (!props)
            return;
        ctx.unknown_properties(*boot, *props, {"order", "legacy"});
        if (const auto* legacy = props->get("legacy"))
            order = legacy_order(ctx, *legacy);
        if (const auto* list = props->get("order")) {
            order.clear();
            for (const auto dev : split(*list, ';'))
                if (!dev.empty())
                    order.emplace_back(dev);
        }
    }
    for (size_t i = 0; i < order.size(); ++i) {
        const std::string& dev = order[i];
        if (ctx.boot_order.count(dev))
            continue;
        if (!ctx.conf.find(dev)) {
            if (boot)
                ctx.msgs.warning(boot->line, fmt::format("boot: '{}' is not in the config: left out", dev));
            continue;
        }
        ctx.boot_order[dev] = static_cast<unsigned>(ctx.boot_order.size());
        const int line = boot ? boot->line : ctx.conf.find(dev)->line;
        if (dev.starts_with("hostpci") || dev.starts_with("usb"))
            ctx.msgs.warning(line, fmt::format("boot from {} is left out: ezkvm gives only drives a boot index", dev));
    }
}

}  // namespace ezkvm::import
