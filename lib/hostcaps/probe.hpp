#pragma once
// Asks this host's qemu what it can do: its machine types and CPU models
// (QMP, under TCG and under KVM), whether /dev/kvm opens, which Hyper-V
// enlightenments and CPU features KVM refuses, which known KVM quirks need a
// workaround, and whether KVM really runs a guest (guest_check.hpp). A few
// short qemu runs, side by side; the cache (cache.hpp) keeps the answer.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "hostcaps/capabilities.hpp"

namespace ezkvm::hostcaps {

struct ProbeOptions {
    std::string qemu_binary = hostcaps::qemu_binary;
    std::string kvm_device = "/dev/kvm";
    // How long the guest check may take once it printed its first stage: under
    // a KVM that runs guests it is done in microseconds.
    std::chrono::milliseconds guest_check_grace{250};
    std::chrono::milliseconds run_timeout{5000};  // for any one qemu run
};

// An error when qemu does not run at all.
Result<Capabilities> probe(const ProbeOptions& options = {});

// The two steps of the probe that run vCPUs under KVM, each working around the
// quirks it meets (so tests can run them against a qemu that acts like a quirky host).
struct GuestCheck {
    KvmStatus status = KvmStatus::Unusable;  // Runs, NoGuest or Unusable
    std::string problem;
    std::vector<std::string> features_off;   // the quirks it had to work around
};
GuestCheck check_guest(const ProbeOptions& options);
// The enlightenments KVM refuses, with those that need them.
std::vector<std::string> refused_hyperv(const ProbeOptions& options);

}  // namespace ezkvm::hostcaps
