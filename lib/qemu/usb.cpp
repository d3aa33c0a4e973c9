#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

bool tablet_wanted(const config::VmSpec& spec)
{
    if (spec.usb.tablet)
        return *spec.usb.tablet;
    if (spec.gpu.type == config::GpuType::Passthrough || spec.usb.controller == config::UsbController::None)
        return false;
    switch (spec.display.type) {
    case config::DisplayType::Gtk:
    case config::DisplayType::Sdl:
    case config::DisplayType::Vnc:
    case config::DisplayType::Spice:
    case config::DisplayType::RemoteViewer: return true;
    case config::DisplayType::None:
    case config::DisplayType::LookingGlass: break;
    }
    return false;
}

// A guest port "1.2" is port 2 of a hub in port 1: every such hub must exist,
// outermost first.
std::vector<std::string> hub_ports(const std::vector<config::UsbHostDevice>& devices)
{
    std::vector<std::string> hubs;
    for (const auto& dev : devices) {
        for (size_t dot = dev.vm_port.find('.'); dot != std::string::npos; dot = dev.vm_port.find('.', dot + 1)) {
            std::string hub = dev.vm_port.substr(0, dot);
            if (std::find(hubs.begin(), hubs.end(), hub) == hubs.end())
                hubs.push_back(std::move(hub));
        }
    }
    std::stable_sort(hubs.begin(), hubs.end(), [](const std::string& a, const std::string& b) {
        return std::count(a.begin(), a.end(), '.') < std::count(b.begin(), b.end(), '.');
    });
    return hubs;
}

Opts host_device(const config::UsbHostDevice& dev)
{
    Opts opts("usb-host");
    opts.set("bus", "usb.0");
    if (!dev.vm_port.empty())
        opts.set("port", dev.vm_port);
    if (!dev.host_bus.empty())
        opts.set("hostbus", dev.host_bus).set("hostport", dev.host_port);
    else
        opts.set("vendorid", "0x" + dev.vendor_id).set("productid", "0x" + dev.product_id);
    return opts;
}

// Each guest port holds one device, and a port with a hub holds nothing else.
void check_ports(CommandContext& ctx, const std::vector<std::string>& hubs)
{
    const auto& devices = ctx.spec.host.usb;
    for (size_t i = 0; i < devices.size(); ++i) {
        const auto& port = devices[i].vm_port;
        const Pos& pos = devices[i].pos;
        const std::string path = fmt::format("host.usb[{}].vm_port", i);
        // qemu's hub is a full-speed device, and EHCI takes only high-speed ones.
        if (ctx.spec.usb.controller == config::UsbController::Ehci && port.find('.') != std::string::npos)
            ctx.diags.error(pos, path,
                            fmt::format("guest port {} is behind a USB hub, which the ehci controller cannot take",
                                        port),
                            "use usb.controller xhci, or a port without a dot");
        if (std::find(hubs.begin(), hubs.end(), port) != hubs.end())
            ctx.diags.error(pos, path, fmt::format("guest port {} holds the hub for other devices' ports", port),
                            "choose another vm_port");
        for (size_t j = 0; j < i && !port.empty(); ++j)
            if (devices[j].vm_port == port)
                ctx.diags.error(pos, path, fmt::format("guest port {} is already used by host.usb[{}]", port, j));
    }
}

}  // namespace

void add_usb(CommandContext& ctx)
{
    const auto& usb = ctx.spec.usb;
    const auto& devices = ctx.spec.host.usb;
    const bool tablet = tablet_wanted(ctx.spec);
    if (devices.empty() && !tablet)
        return;
    if (usb.controller == config::UsbController::None) {
        ctx.diags.error({}, "usb.controller", "USB devices need a USB controller",
                        "set usb.controller to xhci or ehci");
        return;
    }
    Opts controller(usb.controller == config::UsbController::Xhci ? "qemu-xhci" : "usb-ehci");
    controller.set("id", "usb");
    ctx.add_pci_device(controller, ctx.pci.slot_for(PciKind::Usb, 0));

    const auto hubs = hub_ports(devices);
    check_ports(ctx, hubs);
    for (const auto& hub : hubs)
        ctx.args.add("-device", Opts("usb-hub").set("bus", "usb.0").set("port", hub));
    // Devices with a fixed port before those qemu places, so none takes a port another asked for.
    for (const auto& dev : devices)
        if (!dev.vm_port.empty())
            ctx.args.add("-device", host_device(dev));
    for (const auto& dev : devices)
        if (dev.vm_port.empty())
            ctx.args.add("-device", host_device(dev));
    if (tablet)
        ctx.args.add("-device", Opts("usb-tablet").set("bus", "usb.0"));
}

}  // namespace ezkvm::qemu
