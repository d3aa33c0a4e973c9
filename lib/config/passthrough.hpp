#pragma once
// Which host PCI functions a VM passes through: gpu.pci (with gpu.type
// passthrough), then host.pci, in file order. The one answer to the question,
// for the command line, the plan, the vfio claims and the conflict checks.
#include <string>
#include <vector>

#include "config/spec.hpp"

namespace ezkvm::config {

struct PassthroughFunction {
    const PciFunction* function = nullptr;
    std::string key;   // "gpu.pci[1]", for messages
    bool gpu = false;  // from gpu.pci
};

std::vector<PassthroughFunction> passthrough_functions(const VmSpec& spec);

// Their host addresses ("0000:03:00.0"), in the same order.
std::vector<std::string> passthrough_addresses(const VmSpec& spec);

}  // namespace ezkvm::config
