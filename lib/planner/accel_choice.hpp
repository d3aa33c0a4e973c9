#pragma once
// How a VM runs on this host, decided from the host probe (hostcaps): which
// accelerator, which known KVM quirks to work around, which Hyper-V
// enlightenments to leave out. Reports, at the key's file:line:column, what
// the host's qemu lacks (machine versions, CPU models) and what KVM cannot
// do for this VM. accel: auto falls back to TCG, loudly, where KVM cannot run
// the VM; accel: kvm is then a host problem (an error when the VM starts).
#include "config/resolve.hpp"
#include "host/device_open.hpp"
#include "hostcaps/capabilities.hpp"
#include "qemu/command.hpp"

namespace ezkvm::planner {

// `host`: nullptr when nothing is known about it; the choice is then empty (qemu's defaults).
qemu::AccelChoice choose_accel(const config::LoadedVm& vm, const config::Environment& env,
                               const hostcaps::Capabilities* host, HostProblems severity, Diagnostics& diags);

// When `choice` runs the VM under KVM: whether `user` (who runs qemu) can open
// /dev/kvm. accel auto: a warning (qemu falls back to TCG); accel kvm: a host problem.
void check_kvm_access(const config::LoadedVm& vm, const config::Environment& env, const qemu::AccelChoice& choice,
                      const host::UserIdentity& user, HostProblems severity, Diagnostics& diags);

}  // namespace ezkvm::planner
