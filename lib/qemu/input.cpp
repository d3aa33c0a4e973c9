#include "qemu/sections.hpp"

namespace ezkvm::qemu {

// virtio-input devices: a relative mouse and a keyboard without USB emulation.
void add_input(CommandContext& ctx)
{
    const auto& input = ctx.spec.input;
    if (input.virtio_mouse) {
        Opts mouse("virtio-mouse-pci");
        ctx.args.add("-device", place(mouse, ctx.pci.next_slot()));
    }
    if (input.virtio_keyboard) {
        Opts keyboard("virtio-keyboard-pci");
        ctx.args.add("-device", place(keyboard, ctx.pci.next_slot()));
    }
}

}  // namespace ezkvm::qemu
