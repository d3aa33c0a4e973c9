// The CPU: the -cpu string Proxmox builds (PVE/QemuServer/CPUConfig.pm,
// get_cpu_options) is rebuilt flag by flag and written as system.cpu.model and
// .flags, so the guest sees the same CPUID; sockets, cores, NUMA.
#include <map>

#include <fmt/format.h>

#include "import/context.hpp"
#include "import/text.hpp"

namespace ezkvm::import {
namespace {

struct Flag {
    std::string op;     // "+", "-" or ""
    std::string value;  // "kvm=off": "off"
};

using Flags = std::map<std::string, Flag>;  // sorted by name, as Proxmox prints them

// Proxmox's x86-64-vN models: qemu64 plus these flags (CPUConfig.pm, $builtin_models).
const std::map<std::string, std::string>& builtin_models()
{
    static const std::map<std::string, std::string> models = {
        {"x86-64-v2", "+popcnt;+pni;+sse4.1;+sse4.2;+ssse3"},
        {"x86-64-v2-AES", "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3"},
        {"x86-64-v3", "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3;+avx;+avx2;+bmi1;+bmi2;+f16c;+fma;+abm;+movbe;+xsave"},
        {"x86-64-v4", "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3;+avx;+avx2;+bmi1;+bmi2;+f16c;+fma;+abm;+movbe;+xsave;"
                      "+avx512f;+avx512bw;+avx512cd;+avx512dq;+avx512vl"},
    };
    return models;
}

// The vendor Proxmox forces for a named model (CPUConfig.pm, $cpu_vendor_list); "" for the
// generic ones (host, kvm64, qemu64, max, ...), which take the host's.
std::string vendor_of(const std::string& model)
{
    static const char* generic[] = {"host", "kvm32", "kvm64", "qemu32", "qemu64", "max"};
    if (std::find(std::begin(generic), std::end(generic), model) != std::end(generic))
        return {};
    static const char* amd[] = {"athlon", "phenom", "Opteron", "EPYC"};
    for (const char* prefix : amd)
        if (model.starts_with(prefix))
            return "AuthenticAMD";
    return "GenuineIntel";
}

void add_list(Flags& flags, const std::string& list)
{
    for (const auto flag : split(list, ';'))
        if (flag.size() > 1 && (flag[0] == '+' || flag[0] == '-'))
            flags[std::string(flag.substr(1))] = {std::string(flag.substr(0, 1)), {}};
}

// get_hyperv_enlightenments (CPUConfig.pm): what Proxmox gives Windows guests under KVM.
void add_hyperv(const Context& ctx, Flags& flags, const std::string& vendor_id)
{
    if (!ctx.kvm || ctx.winversion < 6 || (ctx.ovmf && ctx.winversion < 8))
        return;
    if (ctx.gpu_passthrough || !vendor_id.empty())
        flags["hv_vendor_id"] = {"", vendor_id.empty() ? "proxmox" : vendor_id};
    if (ctx.machine.at_least(2, 3)) {
        flags["hv_spinlocks"] = {"", "0x1fff"};
        flags["hv_vapic"] = {};
        flags["hv_time"] = {};
    } else {
        flags["hv_spinlocks"] = {"", "0xffff"};
    }
    if (ctx.machine.at_least(2, 6)) {
        flags["hv_reset"] = {};
        flags["hv_vpindex"] = {};
        flags["hv_runtime"] = {};
    }
    if (ctx.winversion >= 7) {
        flags["hv_relaxed"] = {};
        if (ctx.machine.at_least(2, 12)) {
            flags["hv_synic"] = {};
            flags["hv_stimer"] = {};
        }
        if (ctx.machine.at_least(3, 1))
            flags["hv_ipi"] = {};
    }
}

std::string joined(const Flags& flags, const std::vector<std::string>& tail)
{
    std::string out;
    for (const auto& [name, flag] : flags) {
        if (!out.empty())
            out += ',';
        out += flag.op + name + (flag.value.empty() ? "" : "=" + flag.value);
    }
    for (const auto& t : tail)
        out += (out.empty() ? "" : ",") + t;
    return out;
}

}  // namespace

void map_cpu(Context& ctx)
{
    const QmEntry* entry = ctx.take("cpu");
    std::string model = ctx.kvm ? "kvm64" : "qemu64";
    std::optional<Properties> props;
    if (entry) {
        props = ctx.props(*entry, "cputype");
        if (!props)
            return;
        ctx.unknown_properties(*entry, *props, {"cputype", "flags", "hidden", "hv-vendor-id", "phys-bits",
                                                "guest-phys-bits", "reported-model"});
        if (const auto* t = props->get("cputype"))
            model = *t;
    }
    Flags flags;
    std::string builtin_flags;
    if (auto it = builtin_models().find(model); it != builtin_models().end()) {
        builtin_flags = it->second;
        model = "qemu64";
    } else if (model.starts_with("custom-")) {
        ctx.msgs.warning(entry->line, fmt::format("cpu: the custom model '{}' (/etc/pve/virtual-guest/cpu-models.conf) "
                                                  "is not imported: imported as kvm64, write system.cpu by hand",
                                                  model));
        model = "kvm64";
    }
    if (model == "Icelake-Client" || model == "Icelake-Client-noTSX")
        model.replace(0, 14, "Icelake-Server");  // Proxmox's $depreacated_cpu_map

    // get_pve_cpu_flags
    if (model == "kvm64") {
        flags["lahf_lm"] = {"+", {}};
        flags["sep"] = {"+", {}};
    }
    if (model == "kvm32")
        flags["sep"] = {"+", {}};
    if (ctx.ostype == "solaris")
        flags["x2apic"] = {"-", {}};
    if (model.starts_with("Opteron"))
        flags["rdtscp"] = {"-", {}};
    if (ctx.machine.at_least(2, 3) && ctx.kvm) {
        flags["kvm_pv_unhalt"] = {"+", {}};
        flags["kvm_pv_eoi"] = {"+", {}};
    }
    const std::string vendor_id = props && props->get("hv-vendor-id") ? *props->get("hv-vendor-id") : "";
    add_hyperv(ctx, flags, vendor_id);
    add_list(flags, builtin_flags);
    if (props && props->get("flags")) {
        Flags own;
        add_list(own, *props->get("flags"));
        if (own.erase("nested-virt"))
            ctx.msgs.warning(entry->line, "cpu: nested-virt (vmx or svm, whichever the host has) is left out: add "
                                          "+vmx or +svm to system.cpu.flags");
        for (auto& [name, flag] : own)
            flags[name] = flag;
    }
    if (model != "host" && ctx.kvm)
        flags["enforce"] = {};
    if (props && props->has("hidden"))
        ctx.hide_kvm = props->flag("hidden");
    if (ctx.hide_kvm)
        flags["kvm"] = {"", "off"};
    if (const std::string vendor = vendor_of(model); !vendor.empty())
        flags["vendor"] = {"", vendor};
    std::vector<std::string> tail;
    for (const char* bits : {"guest-phys-bits", "phys-bits"})
        if (props && props->get(bits))
            tail.push_back(*props->get(bits) == "host" ? "host-phys-bits=true"
                                                       : fmt::format("{}={}", bits, *props->get(bits)));

    auto cpu = OutNode::flow_map();
    cpu.set("model", OutNode::text(model));
    const QmEntry* sockets = ctx.take("sockets");
    const QmEntry* cores = ctx.take("cores");
    auto count = [&](const QmEntry* e) -> uint64_t {
        if (!e)
            return 1;
        if (!all_digits(e->value) || e->value.size() > 3 || std::stoul(e->value) == 0) {
            ctx.msgs.error(e->line, fmt::format("{}: expected a number from 1, got '{}'", e->key, e->value));
            return 1;
        }
        return std::stoul(e->value);
    };
    cpu.set("sockets", OutNode::number(count(sockets)));
    cpu.set("cores", OutNode::number(count(cores)));
    cpu.set("threads", OutNode::number(1));
    if (const std::string text = joined(flags, tail); !text.empty())
        cpu.set("flags", OutNode::text(text));
    std::string comment = entry ? Context::source(*entry) : "Proxmox's default CPU";
    if (flags.count("hv_relaxed") || flags.count("hv_spinlocks"))
        comment += ", with the Hyper-V set Proxmox gives ostype " + ctx.ostype;
    ctx.out.set("system.cpu", std::move(cpu), comment);
    // Proxmox's Hyper-V set is in the flags above; ezkvm's own (system.hyperv) differs from it.
    ctx.out.set("system.hyperv", OutNode::yes_no(false));

    if (const QmEntry* vcpus = ctx.take("vcpus"))
        warn_gap(ctx.msgs, vcpus->line, Gap::CpuHotplug, fmt::format("vcpus {}", vcpus->value));
    if (const QmEntry* numa = ctx.take("numa"); numa && parse_flag(numa->value).value_or(false))
        warn_gap(ctx.msgs, numa->line, Gap::Numa, "numa: 1");
    for (const QmEntry* n : ctx.conf.numbered("numa")) {
        ctx.handled.insert(n->key);
        warn_gap(ctx.msgs, n->line, Gap::Numa, n->key);
    }
}

}  // namespace ezkvm::import
