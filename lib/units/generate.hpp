#pragma once
// From a loaded VM to its unit files, the way the generator makes them (and
// `ezkvm show --units` shows them): what the host lacks is only a warning
// (disks and bridges may appear after the generator ran), a VM that cannot be
// planned (firmware missing, device conflicts) gets no units.
#include <optional>
#include <vector>

#include "config/environment.hpp"
#include "config/resolve.hpp"
#include "units/generated_file.hpp"
#include "units/settings.hpp"

namespace ezkvm::units {

std::optional<std::vector<GeneratedFile>> generate_vm_units(const config::LoadedVm& vm,
                                                            const config::Environment& env,
                                                            const UnitSettings& settings, Diagnostics& diags);

}  // namespace ezkvm::units
