#pragma once
// What this host's qemu and KVM can do, as the host probe found it
// (hostcaps/probe.hpp) and the cache keeps it (hostcaps/cache.hpp). Plain data:
// the plan decides from it (vm/accel_choice.hpp) and tests feed recorded ones.
#include <optional>

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace ezkvm::hostcaps {

// The qemu that runs VMs, and that the probe asks.
inline constexpr const char* qemu_binary = "/usr/bin/qemu-system-x86_64";

enum class KvmStatus {
    Absent,    // no /dev/kvm
    NoAccess,  // /dev/kvm does not open for the prober
    Unusable,  // it opens, but qemu cannot set up KVM
    NoGuest,   // KVM sets up vCPUs but runs no guest to the end of the guest check
    Runs,      // the guest check ran to its end under KVM
};

struct Kvm {
    KvmStatus status = KvmStatus::Absent;
    std::string problem;  // why it does not run guests, for people
    // Known quirks worked around by turning a CPU feature off: "arch-capabilities".
    std::vector<std::string> features_off;
    std::vector<std::string> refused_hyperv;        // with their dependents
    std::vector<std::string> unavailable_features;  // CPU features KVM cannot give a guest

    bool runs_guests() const { return status == KvmStatus::Runs; }
};

struct CpuModel {
    std::string name;
    std::vector<std::string> unavailable_kvm;  // features of the model this KVM lacks
    std::vector<std::string> unavailable_tcg;
};

struct Capabilities {
    std::string qemu_version;            // "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
    std::vector<std::string> machines;   // names and aliases: "pc-q35-7.2", "q35"
    std::vector<CpuModel> cpu_models;
    std::vector<std::string> tcg_unavailable_features;
    Kvm kvm;

    bool has_machine(const std::string& name) const;
    // The versions of the machine types named `prefix` + version ("pc-q35-"), oldest first.
    std::vector<std::string> machine_versions(const std::string& prefix) const;
    const CpuModel* cpu_model(const std::string& name) const;
};

std::string describe(KvmStatus status);

// Capabilities as JSON and back; nullopt for what is not such JSON.
std::string to_json(const Capabilities& caps);
std::optional<Capabilities> from_json(const std::string& text);
nlohmann::json to_json_value(const Capabilities& caps);
std::optional<Capabilities> from_json_value(const nlohmann::json& j);

// A short fingerprint of what the plan reads from `caps` (None: no capabilities):
// units generated with one fingerprint are current as long as it stays the same.
std::string fingerprint(const Capabilities* caps);

}  // namespace ezkvm::hostcaps
