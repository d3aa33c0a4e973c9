#pragma once
// From a loaded VM to its unit files, the way the generator makes them (and
// `ezkvm show --units` shows them): a VM that cannot be planned (firmware
// missing, device conflicts) gets no units. Both first check the host with
// HostProblems::Warnings (disks and bridges may appear after the generator ran).
#include <optional>
#include <vector>

#include "config/environment.hpp"
#include "config/resolve.hpp"
#include "hostcaps/capabilities.hpp"
#include "units/generated_file.hpp"
#include "units/settings.hpp"

namespace ezkvm::units {

// `host`: the host probe's answer the plan is made for (nullptr: nothing known).
std::optional<std::vector<GeneratedFile>> generate_vm_units(const config::LoadedVm& vm,
                                                            const config::Environment& env,
                                                            const UnitSettings& settings,
                                                            const hostcaps::Capabilities* host, Diagnostics& diags);

// The drop-in for ezkvm-host-probe.service that records which host probe answer
// the generator used (`host`), so the probe can tell when to reload.
GeneratedFile host_probe_dropin(const hostcaps::Capabilities* host);

}  // namespace ezkvm::units
