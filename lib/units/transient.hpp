#pragma once
// A VM file run as a transient user unit (`ezkvm --user start FILE`), the way
// `systemd-run --user` would: the shipped user ezkvm@.service's commands and
// sandboxing plus the generated drop-in's settings (bus::TransientUnit holds
// each as its D-Bus property and its unit-file line).
#include <optional>
#include <string>

#include "base/diagnostic.hpp"
#include "bus/transient_unit.hpp"
#include "config/resolve.hpp"
#include "planner/plan.hpp"

namespace ezkvm::units {

// The transient unit of a user VM: name, the helper at `helper` (ezkvm-helper's path),
// EZKVM_VM_FILE= naming the file (an absolute path) so the helper finds it.
// nullopt (with an error in diags) for what a transient unit cannot run: a
// software TPM needs the swtpm units the generator writes.
std::optional<bus::TransientUnit> transient_vm_unit(const config::LoadedVm& vm, const planner::Plan& plan,
                                               const std::string& file, const std::string& helper,
                                               Diagnostics& diags);

std::string transient_unit_name(const std::string& vm);  // ezkvm-transient@<vm>.service

// The equivalent `systemd-run --user ...` command, one shell line.
std::string systemd_run_command(const bus::TransientUnit& unit);

}  // namespace ezkvm::units
