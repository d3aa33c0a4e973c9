#include "config/passthrough.hpp"

#include <fmt/format.h>

namespace ezkvm::config {

std::vector<PassthroughFunction> passthrough_functions(const VmSpec& spec)
{
    std::vector<PassthroughFunction> functions;
    if (spec.gpu.type == GpuType::Passthrough)
        for (size_t i = 0; i < spec.gpu.pci.size(); ++i)
            functions.push_back({&spec.gpu.pci[i], fmt::format("gpu.pci[{}]", i), true});
    for (size_t i = 0; i < spec.host.pci.size(); ++i)
        functions.push_back({&spec.host.pci[i], fmt::format("host.pci[{}]", i), false});
    return functions;
}

std::vector<std::string> passthrough_addresses(const VmSpec& spec)
{
    std::vector<std::string> addresses;
    for (const auto& f : passthrough_functions(spec))
        addresses.push_back(f.function->host_id);
    return addresses;
}

}  // namespace ezkvm::config
