#include "qemu/sections.hpp"

namespace ezkvm::qemu {

void add_kernel(CommandContext& ctx)
{
    const auto& kernel = ctx.spec.system.kernel;
    if (kernel.image.empty())
        return;
    // These three take their value verbatim (no option list, no comma escaping).
    ctx.args.add("-kernel", kernel.image);
    ctx.uses(kernel.image);
    if (!kernel.initrd.empty()) {
        ctx.args.add("-initrd", kernel.initrd);
        ctx.uses(kernel.initrd);
    }
    if (!kernel.cmdline.empty())
        ctx.args.add("-append", kernel.cmdline);
}

}  // namespace ezkvm::qemu
