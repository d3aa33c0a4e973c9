// The display adapter (vga), how the user sees it (Proxmox always serves
// VNC, and SPICE for qxl), sound (audio0) and serial ports.
#include <fmt/format.h>

#include "import/context.hpp"

namespace ezkvm::import {
namespace {

void map_vga(Context& ctx)
{
    const QmEntry* entry = ctx.take("vga");
    std::string type = "std";
    std::optional<Properties> props;
    if (entry) {
        props = ctx.props(*entry, "type");
        if (!props)
            return;
        ctx.unknown_properties(*entry, *props, {"type", "memory", "clipboard"});
        if (props->get("type"))
            type = *props->get("type");
        if (const auto* memory = props->get("memory"))
            warn_gap(ctx.msgs, entry->line, Gap::VgaMemory, fmt::format("vga memory={}", *memory));
        if (props->has("clipboard"))
            ctx.msgs.warning(entry->line, "vga: the VNC clipboard (clipboard=vnc) is not imported");
    }
    const std::string comment = entry ? Context::source(*entry) : "";
    std::string gpu, display = "vnc";
    bool gl = false;
    if (ctx.vga_none) {
        display = "none";  // the passed-through GPU is the display; Proxmox serves no VNC then
    } else if (type == "std" || type == "cirrus") {
        gpu = "std";
        if (type == "cirrus")
            ctx.msgs.warning(entry->line, "vga cirrus: ezkvm has no Cirrus adapter: imported as std (VGA)");
    } else if (type == "vmware") {
        gpu = "vmware-svga";
    } else if (type.starts_with("qxl")) {
        gpu = "qxl";
        display = "spice";
        if (type != "qxl")
            ctx.msgs.warning(entry->line, fmt::format("vga {}: the extra qxl displays are left out (one)", type));
    } else if (type == "virtio" || type == "virtio-gl") {
        gpu = "virtio";
        gl = type == "virtio-gl";
        if (gl)
            display = "spice";
    } else if (type == "none") {
        gpu = "none";
        display = "none";
    } else if (type.starts_with("serial")) {
        gpu = "none";
        display = "none";
        ctx.msgs.note(entry->line, fmt::format("vga {}: no display adapter; the serial console is ezkvm's console",
                                               type));
    } else {
        ctx.msgs.error(entry->line, fmt::format("vga: unknown type '{}'", type));
        return;
    }
    if (!gpu.empty()) {
        ctx.out.set("gpu.type", OutNode::text(gpu), comment);
        if (gpu == "virtio")
            ctx.out.set("gpu.gl", OutNode::yes_no(gl));
    }
    ctx.out.set("display.type", OutNode::text(display));
    if (display == "spice") {
        ctx.out.set("spice.gl", OutNode::yes_no(gl));
        // Proxmox's TLS port (61000 and up, on 127.0.0.1) exists for its spiceproxy, with its cluster's
        // certificates; the guest does not see the transport.
        ctx.msgs.note(entry ? entry->line : 0,
                      "SPICE: Proxmox serves it over TLS on 127.0.0.1 for its spiceproxy; the imported VM serves it "
                      "on a unix socket (ezkvm view); for TLS add spice.tls_port and spice.x509_dir (ca-cert.pem, "
                      "server-cert.pem, server-key.pem)");
    }
    if (const QmEntry* se = ctx.take("spice_enhancements"))
        ctx.msgs.warning(se->line, "spice_enhancements are not imported");
    if (const QmEntry* kb = ctx.take("keyboard"))
        ctx.msgs.warning(kb->line, fmt::format("keyboard {}: the VNC keymap is not imported (VNC clients send "
                                               "key codes)",
                                               kb->value));
}

void map_audio(Context& ctx)
{
    const QmEntry* entry = ctx.take("audio0");
    if (!entry)
        return;
    auto props = ctx.props(*entry, "device");
    if (!props)
        return;
    ctx.unknown_properties(*entry, *props, {"device", "driver"});
    const std::string device = props->get("device") ? *props->get("device") : "";
    const std::string driver = props->get("driver") ? *props->get("driver") : "spice";
    auto audio = OutNode::flow_map();
    if (device == "AC97") {
        audio.set("device", OutNode::text("ac97"));
    } else if (device == "ich9-intel-hda" || device == "intel-hda") {
        audio.set("device", OutNode::text("hda"));
        // PVE/QemuServer.pm, audio devices: hda-micro at codec 0, hda-duplex at 1.
        auto codecs = OutNode::list(true);
        codecs.seq.push_back(OutNode::text("micro"));
        codecs.seq.push_back(OutNode::text("duplex"));
        audio.set("codecs", std::move(codecs));
        if ((device == "ich9-intel-hda") != ctx.q35)
            ctx.msgs.warning(entry->line, fmt::format("audio0: ezkvm gives {} the {} controller, not {}",
                                                      ctx.q35 ? "q35" : "i440fx",
                                                      ctx.q35 ? "ich9-intel-hda" : "intel-hda", device));
    } else {
        ctx.msgs.error(entry->line, fmt::format("audio0: unknown device '{}'", device));
        return;
    }
    const OutNode* display = ctx.out.find("display.type");
    const bool spice = display && display->scalar == "spice";
    if (driver == "spice" && !spice) {
        ctx.msgs.warning(entry->line, "audio0: driver spice without a SPICE display: the sound goes nowhere, as "
                                      "under Proxmox (backend none)");
        audio.set("backend", OutNode::text("none"));
    } else {
        audio.set("backend", OutNode::text(driver == "spice" ? "spice" : "none"));
    }
    ctx.out.set("audio", std::move(audio), Context::source(*entry));
}

void map_serial(Context& ctx)
{
    const QmEntry* serial0 = ctx.take("serial0");
    ctx.out.set("serial", OutNode::yes_no(serial0 != nullptr),
                serial0 ? Context::source(*serial0) : "Proxmox gives no serial port without serial0");
    if (serial0 && serial0->value != "socket")
        ctx.msgs.warning(serial0->line, fmt::format("serial0: the host device {} is not imported: ezkvm's serial "
                                                    "port is its console socket",
                                                    serial0->value));
    for (const char* prefix : {"serial", "parallel"})
        for (const QmEntry* e : ctx.conf.numbered(prefix)) {
            if (e->key == "serial0")
                continue;
            ctx.handled.insert(e->key);
            ctx.msgs.warning(e->line, fmt::format("{}: ezkvm gives a VM one serial port: left out", e->key));
        }
}

}  // namespace

void map_display(Context& ctx)
{
    map_vga(ctx);
    map_audio(ctx);
    map_serial(ctx);
}

}  // namespace ezkvm::import
