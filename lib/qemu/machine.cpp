#include "qemu/sections.hpp"

namespace ezkvm::qemu {

void add_machine(PlanContext& ctx)
{
    Opts machine(firmware::machine_type(ctx.spec.system.chipset));
    if (needs_smm(ctx))
        machine.on("smm", true);
    ctx.args.add("-machine", machine);

    switch (ctx.spec.general.accel) {
    case config::Accel::Auto:
        // qemu takes the first accelerator that works: KVM where /dev/kvm exists, else TCG.
        ctx.args.add("-accel", "kvm");
        ctx.args.add("-accel", "tcg");
        break;
    case config::Accel::Kvm: ctx.args.add("-accel", "kvm"); break;
    case config::Accel::Tcg: ctx.args.add("-accel", "tcg"); break;
    }

    ctx.args.add("-sandbox", Opts("on")
                                 .set("obsolete", "deny")
                                 .set("elevateprivileges", "deny")
                                 .set("spawn", "deny")
                                 .set("resourcecontrol", "deny"));
}

}  // namespace ezkvm::qemu
