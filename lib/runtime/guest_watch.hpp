#pragma once
// Tells from qemu's QMP events when the guest has died while qemu lives on:
// a KVM internal error (the vCPU cannot go on: "emulation failure"), or a
// guest panic reported through pvpanic or Hyper-V's crash MSRs. qemu then
// sits paused forever; whoever watches makes it go, so the VM's unit fails
// (or `ezkvm run` exits non-zero) with the reason, instead of staying active
// around a dead guest.
#include <optional>
#include <string>

#include "runtime/qmp.hpp"

namespace ezkvm::runtime {

// The reason when `event` shows the guest died; after a STOP it asks `qmp` for
// the run state.
std::optional<std::string> death_of(const QmpEvent& event, QmpClient& qmp);

// death_of each event `qmp` has queued, until one shows a death.
std::optional<std::string> guest_death(QmpClient& qmp);

// The same for a run state from query-status ("internal-error", "guest-panicked").
std::optional<std::string> death_of_state(const std::string& status);

}  // namespace ezkvm::runtime
