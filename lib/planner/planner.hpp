#pragma once
// Gathers what build_command needs from the host for one loaded VM — its paths,
// the firmware chosen from the descriptors, the disk format probe — and builds
// the plan. Shared by the CLI and the generator.
#include <optional>

#include "config/environment.hpp"
#include "config/resolve.hpp"
#include "planner/plan.hpp"
#include "qemu/command.hpp"
#include "host/device_open.hpp"
#include "hostcaps/capabilities.hpp"

namespace ezkvm::planner {

// ConsoleLog::File: the plan of `ezkvm run` (qemu::CommandInput::console_logfile).
enum class ConsoleLog { Journal, File };

struct PlanOptions {
    // What depends on the host rather than the file is an error when the VM is
    // about to run and a warning when a file is only checked. Without firmware
    // there is no plan either way (and no other error).
    HostProblems firmware = HostProblems::Errors;
    // What the host's qemu and KVM cannot do (vm/accel_choice.hpp).
    HostProblems accel = HostProblems::Errors;
    ConsoleLog console_log = ConsoleLog::Journal;
    const hostcaps::Capabilities* host = nullptr;  // the host probe's answer; nullptr: unknown
    // The user qemu will run as: checked for access to /dev/kvm when the VM is to run
    // under KVM (a warning where qemu would fall back to TCG). Unset: not checked.
    std::optional<host::UserIdentity> qemu_user;
};

std::optional<Plan> plan_vm(const config::LoadedVm& vm, const config::Environment& env,
                                  const PlanOptions& options, Diagnostics& diags);

// The block devices the VM's disks, UEFI variables and TPM state live on (normalized, once each).
std::vector<std::string> block_devices(const config::VmSpec& spec);

// Reads the first bytes of `real_path` to tell its image format.
std::optional<config::DriveFormat> probe_image_format(const std::string& real_path);

}  // namespace ezkvm::planner
