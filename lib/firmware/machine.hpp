#pragma once
// Whether a descriptor's targets cover the VM's architecture and machine type.
#include "config/spec.hpp"
#include "firmware/descriptor.hpp"

namespace ezkvm::firmware {

// True when a target for x86_64 has a machines glob matching the chipset's machine type.
bool supports_machine(const Descriptor& descriptor, const config::Chip& chip);

}  // namespace ezkvm::firmware
