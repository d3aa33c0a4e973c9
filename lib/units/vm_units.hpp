#pragma once
// The unit files of one VM: drop-ins for the shipped ezkvm@.service (and for
// the swtpm units when the VM has a software TPM) holding everything that
// depends on the VM file, plus the autostart link. The generator and `ezkvm
// show --units` both write exactly these. Pure: the same inputs give the same
// bytes; every value from the VM file is escaped by unit_file.hpp.
#include <string>
#include <vector>

#include "config/resolve.hpp"
#include "planner/plan.hpp"
#include "qemu/command.hpp"
#include "units/generated_file.hpp"
#include "units/settings.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::units {

// Every VM unit Wants= and comes After= it: probes the host when its cache is not
// current, and reloads systemd when the units were generated from another answer.
inline constexpr const char* host_probe_unit = "ezkvm-host-probe.service";
// Units carry the hostcaps::fingerprint they were generated from in this variable.
inline constexpr const char* host_fingerprint_variable = "EZKVM_HOST_FINGERPRINT";
std::string host_fingerprint_setting(const std::string& fingerprint);  // "EZKVM_HOST_FINGERPRINT=..."

std::string vm_unit_name(const std::string& vm);      // ezkvm@<vm>.service
std::string swtpm_service_name(const std::string& vm);  // ezkvm-swtpm@<vm>.service
std::string swtpm_socket_name(const std::string& vm);   // ezkvm-swtpm@<vm>.socket

// Pieces of the VM's drop-in that the transient user unit (transient.hpp) shares:
// qemu's command as ExecStart= runs it (paused; through `helper` with-macvtaps when
// it has macvtap NICs, with-bridge-taps when a user VM has bridge or nat NICs),
// TimeoutStopSec= in seconds, RequiresMountsFor= paths and the block device units it BindsTo=.
std::vector<std::string> vm_exec_start(const std::string& vm, const qemu::Command& command, const std::string& helper);
unsigned vm_stop_timeout_seconds(const config::VmSpec& spec);
std::vector<std::string> vm_mount_paths(const qemu::Command& command);
std::vector<std::string> vm_bound_units(const planner::Plan& plan);
std::vector<std::string> vm_credentials(const config::VmSpec& spec);

std::vector<GeneratedFile> vm_unit_files(const config::LoadedVm& vm, const planner::Plan& plan,
                                         const UnitSettings& settings);

}  // namespace ezkvm::units
