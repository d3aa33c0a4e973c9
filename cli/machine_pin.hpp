#pragma once
// Machine versions: a qemu upgrade must not silently change the hardware of a
// guest that cares (Windows; templates say so with system.chipset.pin).
#include <optional>
#include <string>

#include "config/resolve.hpp"
#include "hostcaps/capabilities.hpp"

namespace ezkvm::cli {

// The newest version of the VM's machine type the host's qemu has ("7.2").
std::optional<std::string> current_machine_version(const config::VmSpec& spec, const hostcaps::Capabilities* host);

// A warning, with the line to add, for a VM whose template asks for a pinned
// version it does not have.
void check_machine_pinned(const config::LoadedVm& vm, const hostcaps::Capabilities* host, Diagnostics& diags);

}  // namespace ezkvm::cli
