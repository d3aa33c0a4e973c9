#include "qemu/sections.hpp"

namespace ezkvm::qemu {

// virtio-input devices: a relative mouse and a keyboard without USB emulation.
void add_input(CommandContext& ctx)
{
    const auto& input = ctx.spec.input;
    if (input.virtio_mouse) {
        Opts mouse("virtio-mouse-pci");
        ctx.add_pci_device(mouse, ctx.pci.slot_for(PciKind::Input, 0));
    }
    if (input.virtio_keyboard) {
        Opts keyboard("virtio-keyboard-pci");
        ctx.add_pci_device(keyboard, ctx.pci.slot_for(PciKind::Input, 1));
    }
}

}  // namespace ezkvm::qemu
