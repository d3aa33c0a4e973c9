#include "qemu/sections.hpp"

namespace ezkvm::qemu {

std::vector<std::string> accelerators(const CommandContext& ctx)
{
    if (!ctx.input.accel.accelerators.empty())
        return ctx.input.accel.accelerators;
    switch (ctx.spec.general.accel) {
    case config::Accel::Auto: return {"kvm", "tcg"};  // qemu takes the first that works
    case config::Accel::Kvm: return {"kvm"};
    case config::Accel::Tcg: return {"tcg"};
    }
    return {};
}

void add_machine(CommandContext& ctx)
{
    Opts machine(firmware::machine_type(ctx.spec.system.chipset));
    if (needs_smm(ctx))
        machine.on("smm", true);
    if (!ctx.spec.system.hpet)
        machine.on("hpet", false);
    if (has_memory_backend(ctx))
        machine.set("memory-backend", memory_backend_id);
    ctx.args.add("-machine", machine);

    for (const auto& accel : accelerators(ctx))
        ctx.args.add("-accel", accel);
    // A guest panic (pvpanic, Hyper-V crash MSRs) is a failure of the VM, not a power-off.
    ctx.args.add("-action", Opts().set("panic", "exit-failure"));

    ctx.args.add("-sandbox", Opts("on")
                                 .set("obsolete", "deny")
                                 .set("elevateprivileges", "deny")
                                 .set("spawn", "deny")
                                 .set("resourcecontrol", "deny"));
}

}  // namespace ezkvm::qemu
