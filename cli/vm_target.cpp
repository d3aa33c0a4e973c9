#include "cli/vm_target.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "config/parse.hpp"
#include "cli/print_diagnostics.hpp"
#include "config/resolve.hpp"
#include "runtime/vm_socket.hpp"
#include "base/suggest.hpp"

namespace ezkvm::cli {

std::vector<std::string> vm_names(Scope scope)
{
    std::vector<std::string> names;
    for (const auto& file : config::find_vm_files(config::Environment::from_process(scope)))
        names.push_back(file.name);
    return names;
}

std::optional<std::string> vm_name_of(const std::string& arg, const GlobalOptions& global)
{
    if (config::is_file_argument(arg)) {
        Diagnostics diags;
        const auto vm = config::load_vm(arg, config::Environment::from_process(global.scope()), diags);
        if (vm && !diags.has_errors())
            return vm->name;
        print_diagnostics(std::cerr, diags);
        if (vm)
            std::cerr << fmt::format("ezkvm: {} has errors: `ezkvm check {}` lists them\n", arg, arg);
        return std::nullopt;
    }
    if (config::valid_vm_name(arg))
        return arg;
    std::cerr << fmt::format("ezkvm: '{}' is neither a VM name (letters, digits, '-', '_', '.'; at most 64) nor a "
                             "VM file (a path with a '/', or ending in .yaml)\n",
                             arg);
    return std::nullopt;
}

std::optional<VmTarget> vm_target(const std::string& arg, const GlobalOptions& global)
{
    const auto name = vm_name_of(arg, global);
    if (!name)
        return std::nullopt;
    return VmTarget{*name, global.scope(), vm_paths(*name, global.scope()), config::is_file_argument(arg)};
}

Fd connect_to_vm(const VmTarget& vm, const std::string& path, std::string_view what)
{
    auto connected = runtime::connect_vm_socket(vm.name, vm.scope, path, what);
    if (connected)
        return std::move(*connected);
    // "Not running" is only the right answer for a VM that exists.
    const auto names = vm_names(vm.scope);
    if (!vm.from_file && std::find(names.begin(), names.end(), vm.name) == names.end())
        std::cerr << fmt::format("ezkvm: there is no VM '{}'{}\n", vm.name,
                                 names.empty() ? std::string(" (no VM files are installed)") : ": " + suggestion(vm.name, names));
    else
        std::cerr << "ezkvm: " << connected.error().message << '\n';
    return {};
}

}  // namespace ezkvm::cli
