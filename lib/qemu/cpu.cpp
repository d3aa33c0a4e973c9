#include <algorithm>
#include <string>

#include "hostcaps/hyperv.hpp"
#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::vector<std::string> hyperv_left_out(const CommandContext& ctx)
{
    auto out = ctx.input.accel.hyperv_left_out;
    // qemu 7.2 refuses hv_vpindex without KVM ("kernel doesn't allow setting HyperV
    // VP_INDEX"), and what builds on it with it.
    if (accelerators(ctx) == std::vector<std::string>{"tcg"})
        out.emplace_back("hv_vpindex");
    return hostcaps::with_dependents(out);
}

void add_cpu(CommandContext& ctx)
{
    const auto& cpu = ctx.spec.system.cpu;
    // "host" only exists under KVM; "max" is every feature the accelerator offers, under both.
    const bool kvm_only = accelerators(ctx) == std::vector<std::string>{"kvm"};
    const std::string model = !cpu.model.empty() ? cpu.model : kvm_only ? "host" : "max";

    Opts opts(model);
    for (const auto& flag : cpu.flags)
        opts.raw(flag);  // validated tokens ("+aes", "vendor=GenuineIntel")
    for (const auto& feature : ctx.input.accel.cpu_features_off)
        opts.raw("-" + feature);
    if (ctx.spec.system.hyperv) {
        const auto left_out = hyperv_left_out(ctx);
        for (const auto& name : hostcaps::vm_enlightenments())
            if (!contains(left_out, name))
                opts.raw(hostcaps::find_enlightenment(name)->setting);
        // KVM's own paravirtual features, as Proxmox gives Windows guests: TCG has neither.
        if (accelerators(ctx).front() == "kvm")
            opts.raw("+kvm_pv_unhalt").raw("+kvm_pv_eoi");
    }
    ctx.args.add("-cpu", opts);

    const unsigned total = cpu.sockets * cpu.cores * cpu.threads;
    ctx.args.add("-smp", Opts(std::to_string(total))
                             .set("sockets", cpu.sockets)
                             .set("cores", cpu.cores)
                             .set("threads", cpu.threads));
}

}  // namespace ezkvm::qemu
