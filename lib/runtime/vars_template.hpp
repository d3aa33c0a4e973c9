#pragma once
// The UEFI variable store template prepare() copies for a VM: the nvram
// template of the firmware plan_vm chooses (the same descriptors give the same
// choice, and plan_vm has already reported any problem with them).
#include <string>

#include "config/environment.hpp"
#include "config/resolve.hpp"

namespace ezkvm::runtime {

// The template's real path; "" when the VM has no OVMF variable store to create
// (SeaBIOS, a configured system.bios.file, or firmware without a template).
std::string vars_template(const config::LoadedVm& vm, const config::Environment& env);

}  // namespace ezkvm::runtime
