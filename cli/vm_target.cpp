#include "cli/vm_target.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "config/parse.hpp"
#include "config/resolve.hpp"
#include "runtime/vm_socket.hpp"
#include "util/suggest.hpp"

namespace ezkvm::cli {

std::vector<std::string> vm_names(Scope scope)
{
    std::vector<std::string> names;
    for (const auto& file : config::find_vm_files(config::Environment::from_process(scope)))
        names.push_back(file.name);
    return names;
}

bool check_vm_name(const std::string& name)
{
    if (config::valid_vm_name(name))
        return true;
    std::cerr << fmt::format("ezkvm: '{}' is not a VM name (letters, digits, '-', '_', '.'; at most 64)\n", name);
    return false;
}

std::optional<VmTarget> vm_target(const std::string& name, const GlobalOptions& global)
{
    if (!check_vm_name(name))
        return std::nullopt;
    return VmTarget{name, global.scope(), vm_paths(name, global.scope())};
}

runtime::Fd connect_to_vm(const VmTarget& vm, const std::string& path, std::string_view what)
{
    auto connected = runtime::connect_vm_socket(vm.name, vm.scope, path, what);
    if (connected.fd)
        return std::move(connected.fd);
    // "Not running" is only the right answer for a VM that exists.
    const auto names = vm_names(vm.scope);
    if (std::find(names.begin(), names.end(), vm.name) == names.end())
        std::cerr << fmt::format("ezkvm: there is no VM '{}'{}\n", vm.name,
                                 names.empty() ? std::string(" (no VM files are installed)") : ": " + suggestion(vm.name, names));
    else
        std::cerr << "ezkvm: " << connected.error << '\n';
    return {};
}

}  // namespace ezkvm::cli
