#pragma once
// The Hyper-V enlightenments ezkvm knows: how qemu names them, which MSRs a
// KVM that refuses one fails to set, and which ones need others. The host
// probe tries them under KVM; the plan leaves out what KVM refused, together
// with everything that depends on it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::hostcaps {

struct Enlightenment {
    std::string_view name;         // as ezkvm writes it on -cpu, "hv_vpindex"
    std::string_view setting;      // "hv_spinlocks=0x1fff"; the name alone for most
    std::vector<std::string_view> needs;  // names qemu refuses it without
    bool in_vm_set = false;        // one of those system.hyperv gives a VM
};

// Every enlightenment the probe tries, in -cpu order.
const std::vector<Enlightenment>& enlightenments();
const Enlightenment* find_enlightenment(std::string_view name);

// The names of those system.hyperv gives a VM, in -cpu order.
std::vector<std::string> vm_enlightenments();

// The enlightenment an MSR belongs to, from qemu's "failed to set MSR 0x..." abort.
std::optional<std::string_view> enlightenment_of_msr(uint32_t msr);

// `refused` plus every enlightenment that needs one of them, in table order.
std::vector<std::string> with_dependents(const std::vector<std::string>& refused);

}  // namespace ezkvm::hostcaps
