#include <string>

#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

// Hyper-V enlightenments Windows guests run faster and more stable with.
constexpr const char* kHyperv[] = {
    "hv_relaxed", "hv_vapic",  "hv_spinlocks=0x1fff", "hv_vpindex",     "hv_runtime",
    "hv_synic",   "hv_stimer", "hv_reset",            "hv_frequencies", "hv_time",
};

// qemu 7.2 refuses hv_vpindex without KVM ("kernel doesn't allow setting HyperV
// VP_INDEX"), and the synthetic interrupt controller and timers depend on it.
bool kvm_only(std::string_view flag) { return flag == "hv_vpindex" || flag == "hv_synic" || flag == "hv_stimer"; }

}  // namespace

void add_cpu(PlanContext& ctx)
{
    const auto& cpu = ctx.spec.system.cpu;
    const auto accel = ctx.spec.general.accel;
    // "host" only exists under KVM; "max" is every feature the accelerator offers, under both.
    const std::string model = !cpu.model.empty() ? cpu.model : accel == config::Accel::Kvm ? "host" : "max";

    Opts opts(model);
    for (const auto& flag : cpu.flags)
        opts.raw(flag);  // validated tokens ("+aes", "vendor=GenuineIntel")
    if (ctx.spec.system.hyperv) {
        const bool tcg = accel == config::Accel::Tcg;
        for (const char* flag : kHyperv)
            if (!tcg || !kvm_only(flag))
                opts.raw(flag);
        if (tcg)
            ctx.diags.warning({}, "system.hyperv",
                              "under accel tcg, hv_vpindex, hv_synic and hv_stimer are left out: "
                              "qemu emulates them only with KVM",
                              "use accel kvm or auto for all Hyper-V enlightenments");
    }
    ctx.args.add("-cpu", opts);

    const unsigned total = cpu.sockets * cpu.cores * cpu.threads;
    ctx.args.add("-smp", Opts(std::to_string(total))
                             .set("sockets", cpu.sockets)
                             .set("cores", cpu.cores)
                             .set("threads", cpu.threads));
}

}  // namespace ezkvm::qemu
