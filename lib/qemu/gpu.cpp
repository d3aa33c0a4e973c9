#include "qemu/passthrough.hpp"
#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

const char* adapter_driver(const config::Gpu& gpu)
{
    switch (gpu.type) {
    case config::GpuType::Std: return "VGA";
    case config::GpuType::Qxl: return "qxl-vga";
    case config::GpuType::VmwareSvga: return "vmware-svga";
    case config::GpuType::Virtio: return gpu.gl ? "virtio-vga-gl" : "virtio-vga";
    case config::GpuType::None:
    case config::GpuType::Passthrough: break;
    }
    return nullptr;
}

// virtio-vga-gl renders through the display's OpenGL context; without one qemu
// refuses to start ("opengl is not available").
bool display_provides_gl(const config::VmSpec& spec)
{
    const auto type = spec.display.type;
    if ((type == config::DisplayType::Gtk || type == config::DisplayType::Sdl) && spec.display.gl)
        return true;
    return spec.spice.enabled && spec.spice.gl;
}

}  // namespace

void add_gpu(CommandContext& ctx)
{
    const auto& gpu = ctx.spec.gpu;
    if (gpu.type == config::GpuType::Passthrough) {
        add_passthrough_groups(ctx, true);
        return;
    }
    const char* driver = adapter_driver(gpu);
    if (!driver)
        return;
    if (gpu.type == config::GpuType::Virtio && gpu.gl && !display_provides_gl(ctx.spec))
        ctx.diags.error({}, "gpu.gl", "virtio with gl needs a display with OpenGL",
                        "set display.gl with display gtk or sdl, or spice.gl");
    if (gpu.pcie && !ctx.q35())
        ctx.diags.warning({}, "gpu.pcie", "i440fx has no PCI Express: the display adapter stays on the PCI bus",
                          "use chipset q35, or remove gpu.pcie");

    Opts opts(driver);
    if (gpu.pcie && ctx.q35()) {
        const RootPort port = ctx.pci.display_root_port();
        add_root_port(ctx, port);
        ctx.args.add("-device", place(opts, PciAllocator::behind(port)));
    } else {
        ctx.add_pci_device(opts, ctx.pci.slot_for(PciKind::Display, 0));
    }
}

}  // namespace ezkvm::qemu
