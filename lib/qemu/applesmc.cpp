#include "qemu/sections.hpp"

namespace ezkvm::qemu {

// The Apple SMC macOS guests check for, with its key.
void add_applesmc(CommandContext& ctx)
{
    const auto& osk = ctx.spec.system.applesmc_osk;
    if (!osk.empty())
        ctx.args.add("-device", Opts("isa-applesmc").set("osk", osk));
}

}  // namespace ezkvm::qemu
