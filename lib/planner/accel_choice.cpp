#include "planner/accel_choice.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "config/key_position.hpp"
#include "firmware/firmware.hpp"
#include "hostcaps/hyperv.hpp"

namespace ezkvm::planner {
namespace {

using config::Accel;
using hostcaps::KvmStatus;

// Why KVM cannot run the VM and what to do about it; empty when it can.
struct Refusal {
    std::string why;
    std::string fix;
    std::string path = "general.accel";  // the key that led to it
    bool empty() const { return why.empty(); }
};

bool contains(const std::vector<std::string>& list, std::string_view item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string joined(const std::vector<std::string>& items)
{
    return fmt::format("{}", fmt::join(items, ", "));
}

// The features the VM's CPU flags turn on: "+aes", "aes", "aes=on".
std::vector<std::string> features_turned_on(const std::vector<std::string>& flags)
{
    std::vector<std::string> on;
    for (const auto& flag : flags) {
        if (flag.starts_with('+'))
            on.push_back(flag.substr(1));
        else if (flag.ends_with("=on") || flag.ends_with("=true"))
            on.push_back(flag.substr(0, flag.find('=')));
        else if (!flag.starts_with('-') && flag.find('=') == std::string::npos && flag != "enforce" && flag != "check")
            on.push_back(flag);
    }
    return on;
}

bool turns_off(const std::vector<std::string>& flags, const std::string& feature)
{
    return contains(flags, "-" + feature) || contains(flags, feature + "=off") || contains(flags, feature + "=false");
}

std::string kvm_fix(KvmStatus status)
{
    switch (status) {
    case KvmStatus::Absent:
        return "enable virtualization (VT-x/AMD-V) in the firmware setup and load kvm_intel or kvm_amd";
    case KvmStatus::NoAccess: return "check the permissions of /dev/kvm";
    case KvmStatus::Unusable: return "see qemu's message; check that the KVM module loaded without errors (dmesg)";
    case KvmStatus::NoGuest:
        return "this host's KVM (nested or paravirtualized?) cannot run guests: enable nested virtualization "
               "on the outer host";
    case KvmStatus::Runs: break;
    }
    return {};
}

class AccelChooser {
public:
    AccelChooser(const config::LoadedVm& vm, const hostcaps::Capabilities& host, HostProblems severity,
                 Diagnostics& diags)
        : vm_(vm), spec_(vm.spec), host_(host), severity_(severity), diags_(diags) {}

    qemu::AccelChoice choose()
    {
        check_machine();
        const Accel accel = spec_.general.accel;
        if (accel == Accel::Tcg)
            return under_tcg();
        const Refusal refusal = why_not_kvm();
        if (refusal.empty())
            return under_kvm();
        if (accel == Accel::Kvm) {
            problem(refusal.path, fmt::format("accel is kvm, but {}", refusal.why),
                    refusal.fix + ", or set accel: auto to run it under TCG when KVM cannot");
            qemu::AccelChoice choice = under_kvm_quietly();
            choice.accelerators = {"kvm"};
            return choice;
        }
        warn(refusal.path,
             fmt::format("KVM cannot run this VM on this host ({}): it runs under TCG, 10 to 50 times slower",
                         refusal.why),
             refusal.fix + ", or set accel: tcg to say so");
        return under_tcg();
    }

private:
    Pos pos_of(const std::string& path) const { return config::position_of(vm_.merged, path); }

    void problem(const std::string& path, std::string message, std::string hint)
    {
        diags_.add({severity_ == HostProblems::Errors ? Severity::Error : Severity::Warning, pos_of(path), path,
                    std::move(message), std::move(hint)});
    }

    void warn(const std::string& path, std::string message, std::string hint = {})
    {
        diags_.warning(pos_of(path), path, std::move(message), std::move(hint));
    }

    std::string model() const
    {
        if (!spec_.system.cpu.model.empty())
            return spec_.system.cpu.model;
        return spec_.general.accel == Accel::Kvm ? "host" : "max";
    }

    void check_machine()
    {
        const auto& chip = spec_.system.chipset;
        if (chip.version.empty() || host_.machines.empty())
            return;
        const std::string machine = firmware::machine_type(chip);
        if (host_.has_machine(machine))
            return;
        const auto versions = host_.machine_versions(machine.substr(0, machine.rfind('-') + 1));
        problem("system.chipset.version",
                fmt::format("this host's qemu {} has no machine type {}", host_.qemu_version, machine),
                versions.empty() ? "remove the version" : fmt::format("use one of: {}", joined(versions)));
    }

    // The model's and the flags' features KVM cannot give.
    std::vector<std::string> missing_under(const std::vector<std::string>& unavailable,
                                           const hostcaps::CpuModel* cpu_model) const
    {
        std::vector<std::string> missing;
        if (cpu_model)
            for (const auto& f : cpu_model->unavailable_kvm)
                if (!turns_off(spec_.system.cpu.flags, f))
                    missing.push_back(f);
        for (const auto& f : features_turned_on(spec_.system.cpu.flags))
            if (contains(unavailable, f) && !contains(missing, f))
                missing.push_back(f);
        return missing;
    }

    Refusal why_not_kvm()
    {
        if (!host_.kvm.runs_guests())
            return {host_.kvm.problem.empty() ? describe(host_.kvm.status) : host_.kvm.problem,
                    kvm_fix(host_.kvm.status)};
        const std::string name = model();
        const hostcaps::CpuModel* cpu_model = nullptr;
        if (name != "host" && name != "max") {
            cpu_model = host_.cpu_model(name);
            if (!cpu_model) {
                problem("system.cpu.model", fmt::format("this host's qemu {} has no CPU model {}", host_.qemu_version, name),
                        "qemu-system-x86_64 -cpu help lists them");
                return {};
            }
        }
        const auto missing = missing_under(host_.kvm.unavailable_features, cpu_model);
        if (!missing.empty()) {
            if (contains(spec_.system.cpu.flags, "enforce"))
                return {fmt::format("KVM cannot give this CPU {} and the flags say enforce", joined(missing)),
                        "remove enforce, or those features", "system.cpu.flags"};
            warn("system.cpu", fmt::format("KVM on this host cannot give this CPU {}: the guest goes without them",
                                           joined(missing)),
                 "add enforce to the flags to refuse to start without them");
        }
        for (const auto& quirk : host_.kvm.features_off)
            if (contains(features_turned_on(spec_.system.cpu.flags), quirk))
                return {fmt::format("KVM on this host refuses qemu's value for the CPU feature {}, which the flags turn on",
                                    quirk),
                        fmt::format("remove {} from the flags", quirk), "system.cpu.flags"};
        return {};
    }

    qemu::AccelChoice under_kvm_quietly() const
    {
        qemu::AccelChoice choice;
        for (const auto& quirk : host_.kvm.features_off)
            if (!turns_off(spec_.system.cpu.flags, quirk))
                choice.cpu_features_off.push_back(quirk);
        if (spec_.system.hyperv)
            for (const auto& name : hostcaps::vm_enlightenments())
                if (contains(host_.kvm.refused_hyperv, name))
                    choice.hyperv_left_out.push_back(name);
        return choice;
    }

    qemu::AccelChoice under_kvm()
    {
        qemu::AccelChoice choice = under_kvm_quietly();
        choice.accelerators = spec_.general.accel == Accel::Kvm ? std::vector<std::string>{"kvm"}
                                                               : std::vector<std::string>{"kvm", "tcg"};
        for (const auto& quirk : choice.cpu_features_off)
            warn("system.cpu",
                 fmt::format("KVM on this host refuses qemu's value for the CPU feature {} (qemu would abort): "
                             "ezkvm turns it off (-{})",
                             quirk, quirk));
        if (!choice.hyperv_left_out.empty())
            warn("system.hyperv",
                 fmt::format("KVM on this host refuses the Hyper-V enlightenments {}: the VM goes without them",
                             joined(choice.hyperv_left_out)));
        return choice;
    }

    qemu::AccelChoice under_tcg()
    {
        const std::string name = model();
        if (name == "host")
            problem("system.cpu.model", "CPU model host exists only under KVM, and this VM runs under TCG",
                    "remove the model (TCG uses max) or name one, such as qemu64");
        else if (name != "max" && !host_.cpu_model(name))
            problem("system.cpu.model", fmt::format("this host's qemu {} has no CPU model {}", host_.qemu_version, name),
                    "qemu-system-x86_64 -cpu help lists them");
        if (contains(spec_.system.cpu.flags, "enforce")) {
            std::vector<std::string> missing;
            if (const auto* cpu_model = host_.cpu_model(name))
                missing = cpu_model->unavailable_tcg;
            for (const auto& f : features_turned_on(spec_.system.cpu.flags))
                if (contains(host_.tcg_unavailable_features, f) && !contains(missing, f))
                    missing.push_back(f);
            if (!missing.empty())
                problem("system.cpu.flags",
                        fmt::format("TCG cannot give this CPU {} and the flags say enforce", joined(missing)),
                        "remove enforce or those features");
        }
        if (spec_.system.hyperv)
            warn("system.hyperv",
                 "under TCG, hv_vpindex, hv_synic and hv_stimer are left out: qemu emulates them only with KVM",
                 "use accel kvm or auto on a host whose KVM runs guests");
        return qemu::AccelChoice{{"tcg"}, {}, {}};
    }

    const config::LoadedVm& vm_;
    const config::VmSpec& spec_;
    const hostcaps::Capabilities& host_;
    HostProblems severity_;
    Diagnostics& diags_;
};

}  // namespace

qemu::AccelChoice choose_accel(const config::LoadedVm& vm, const config::Environment& env,
                               const hostcaps::Capabilities* host, HostProblems severity, Diagnostics& diags)
{
    if (host)
        return AccelChooser(vm, *host, severity, diags).choose();
    std::error_code ec;
    if (vm.spec.general.accel == Accel::Kvm && !std::filesystem::exists(env.real("/dev/kvm"), ec))
        diags.add({severity == HostProblems::Errors ? Severity::Error : Severity::Warning,
                   config::position_of(vm.merged, "general.accel"), "general.accel",
                   "this host has no /dev/kvm: the VM cannot start with accel: kvm", kvm_fix(KvmStatus::Absent) +
                   ", or use accel: auto"});
    if (vm.spec.general.accel == Accel::Tcg && vm.spec.system.hyperv)
        diags.warning(config::position_of(vm.merged, "system.hyperv"), "system.hyperv",
                      "under accel tcg, hv_vpindex, hv_synic and hv_stimer are left out: qemu emulates them only "
                      "with KVM",
                      "use accel kvm or auto for all Hyper-V enlightenments");
    return {};
}

void check_kvm_access(const config::LoadedVm& vm, const config::Environment& env, const qemu::AccelChoice& choice,
                      const host::UserIdentity& user, HostProblems severity, Diagnostics& diags)
{
    const std::string kvm = env.real("/dev/kvm");
    std::error_code ec;
    if (choice.accelerators.empty() || choice.accelerators.front() != "kvm" || !std::filesystem::exists(kvm, ec) ||
        host::may_open_rw(kvm, user))
        return;
    // Under TCG, qemu refuses hv_vpindex: a fallback would not start either.
    const bool fatal = vm.spec.general.accel == Accel::Kvm || vm.spec.system.hyperv;
    const std::string message = fmt::format(
        "{} cannot open /dev/kvm, and qemu runs as {}: {}", user.name, user.name,
        vm.spec.general.accel == Accel::Kvm ? "the VM cannot start under KVM"
        : fatal ? "qemu would fall back to TCG, where the Hyper-V enlightenments stop it from starting"
                : "qemu falls back to TCG, 10 to 50 times slower");
    const std::string hint = fmt::format("add {} to the group /dev/kvm belongs to (usually kvm: sudo usermod -aG kvm "
                                         "{}), or give /dev/kvm that group (udev)",
                                         user.name, user.name);
    const Pos pos = config::position_of(vm.merged, "general.accel");
    if (fatal)
        diags.add({severity == HostProblems::Errors ? Severity::Error : Severity::Warning, pos, "general.accel", message,
                   hint});
    else
        diags.warning(pos, "general.accel", message, hint);
}

}  // namespace ezkvm::planner
