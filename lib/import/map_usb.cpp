// USB: usbN (host devices by id or port, SPICE redirection) and the tablet,
// on ezkvm's one controller.
#include <fmt/format.h>

#include "import/context.hpp"
#include "import/text.hpp"

namespace ezkvm::import {
namespace {

bool usb_id(const std::string& s, std::string& out)
{
    const std::string& v = s;
    auto strip = [](std::string x) { return x.starts_with("0x") ? x.substr(2) : x; };
    const size_t colon = v.find(':');
    if (colon == std::string::npos)
        return false;
    const std::string vendor = strip(v.substr(0, colon)), product = strip(v.substr(colon + 1));
    auto hex4 = [](const std::string& x) {
        return x.size() == 4 && std::all_of(x.begin(), x.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
    };
    if (!hex4(vendor) || !hex4(product))
        return false;
    out = lower(vendor + ":" + product);
    return true;
}

}  // namespace

void map_usb(Context& ctx)
{
    // Machine 7.1 or later with ostype l26 or Windows 8 and later: every device on a
    // qemu-xhci at port N+1 (PVE/QemuServer/USB.pm, get_usb_devices).
    const bool modern = ctx.machine.at_least(7, 1) && (ctx.ostype == "l26" || ctx.winversion > 7);
    bool any = false, usb3 = false;
    for (const QmEntry* e : ctx.conf.numbered("usb")) {
        ctx.handled.insert(e->key);
        auto props = ctx.props(*e, "host");
        if (!props)
            continue;
        ctx.unknown_properties(*e, *props, {"host", "mapping", "usb3"});
        const unsigned index = static_cast<unsigned>(std::stoul(e->key.substr(3)));
        const std::string host = props->get("host") ? *props->get("host") : "";
        if (props->has("mapping")) {
            ctx.msgs.warning(e->line, fmt::format("{}: the cluster mapping '{}' is not imported: add the device to "
                                                  "host.usb by its id",
                                                  e->key, *props->get("mapping")));
            continue;
        }
        if (lower(host) == "spice") {
            ctx.msgs.warning(e->line, fmt::format("{}: SPICE USB redirection is not expressible in an ezkvm VM file "
                                                  "yet: left out",
                                                  e->key));
            continue;
        }
        auto dev = OutNode::flow_map();
        if (modern && index < 4)
            dev.set("vm_port", OutNode::text(std::to_string(index + 1)));
        else if (modern)
            ctx.msgs.warning(e->line, fmt::format("{}: Proxmox puts it on USB 2 port {} of a 15-port xHCI; ezkvm's xHCI "
                                                  "has 4: the port is left to qemu",
                                                  e->key, index + 1));
        std::string id;
        const size_t dash = host.find('-');
        if (usb_id(host, id)) {
            dev.set("id", OutNode::text(id));
        } else if (dash != std::string::npos && all_digits(host.substr(0, dash)) && dash + 1 < host.size()) {
            dev.set("host_bus", OutNode::text(host.substr(0, dash)));
            dev.set("host_port", OutNode::text(host.substr(dash + 1)));
        } else {
            ctx.msgs.error(e->line, fmt::format("{}: '{}' is neither VENDOR:PRODUCT nor BUS-PORT", e->key, host));
            continue;
        }
        dev.comment = Context::source(*e);
        OutNode& list = ctx.out.at("host.usb");
        list.kind = OutNode::Kind::Seq;
        list.seq.push_back(std::move(dev));
        any = true;
        usb3 = usb3 || props->flag("usb3");
    }
    const bool spice = ctx.conf.find("vga") && ctx.conf.find("vga")->value.starts_with("qxl");
    const bool serial_vga = ctx.conf.find("vga") && ctx.conf.find("vga")->value.starts_with("serial");
    const QmEntry* tablet_entry = ctx.take("tablet");
    const bool tablet = tablet_entry ? parse_flag(tablet_entry->value).value_or(true) : !spice && !serial_vga;
    const bool xhci = any && (modern || usb3);
    ctx.out.set("usb.controller", OutNode::text(xhci ? "xhci" : "ehci"),
                xhci ? "Proxmox's qemu-xhci for usbN" : ctx.q35 ? "Proxmox's EHCI" : "");
    ctx.out.set("usb.tablet", OutNode::yes_no(tablet));
    const int line = tablet_entry ? tablet_entry->line : 0;
    if (!ctx.q35 && (tablet || (any && !xhci)))
        warn_gap(ctx.msgs, line, Gap::UsbUhci, "i440fx's piix3-usb-uhci", {});
    else if (tablet && xhci)
        warn_gap(ctx.msgs, line, Gap::UsbTabletBus, "the USB tablet");
}

}  // namespace ezkvm::import
