#pragma once
// Gathers what build_plan needs from the host for one loaded VM — its paths,
// the firmware chosen from the descriptors, the disk format probe — and builds
// the plan. Shared by the CLI and the generator.
#include <optional>

#include "config/environment.hpp"
#include "config/resolve.hpp"
#include "qemu/plan.hpp"
#include "vm/host_check.hpp"

namespace ezkvm::vm {

// What depends on the host rather than the file (firmware that isn't
// installed) is an error when the VM is about to run and a warning when a file
// is only checked; without firmware there is then no plan, and no other error.
// ConsoleLog::File: the plan of `ezkvm run` (qemu::PlanInput::console_logfile).
enum class ConsoleLog { Journal, File };
std::optional<qemu::Plan> plan_vm(const config::LoadedVm& vm, const config::Environment& env,
                                  HostProblems host_problems, Diagnostics& diags,
                                  ConsoleLog console_log = ConsoleLog::Journal);

// Reads the first bytes of `real_path` to tell its image format.
std::optional<config::DriveFormat> probe_image_format(const std::string& real_path);

}  // namespace ezkvm::vm
