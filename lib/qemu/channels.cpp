#include "qemu/sections.hpp"

namespace ezkvm::qemu {

// One virtio-serial controller carries the guest agent and SPICE's vdagent
// (clipboard, display resize).
void add_channels(CommandContext& ctx)
{
    const bool agent = ctx.spec.general.agent;
    const bool spice = ctx.spec.spice.enabled;
    if (!agent && !spice)
        return;
    Opts controller("virtio-serial-pci");
    controller.set("id", "virtio-serial");
    ctx.add_pci_device(controller, ctx.pci.slot_for(PciKind::VirtioSerial, 0));
    auto port = [&](const char* chardev, const char* name) {
        ctx.args.add("-device",
                     Opts("virtserialport").set("bus", "virtio-serial.0").set("chardev", chardev).set("name", name));
    };
    if (agent) {
        ctx.args.add("-chardev", Opts("socket")
                                     .set("id", "qga")
                                     .set("path", ctx.input.paths.guest_agent())
                                     .on("server", true)
                                     .on("wait", false));
        port("qga", "org.qemu.guest_agent.0");
    }
    if (spice) {
        ctx.args.add("-chardev", Opts("spicevmc").set("id", "vdagent").set("name", "vdagent"));
        port("vdagent", "com.redhat.spice.0");
    }
}

}  // namespace ezkvm::qemu
