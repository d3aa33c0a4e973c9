#include <cstdlib>

#include "helpers/helper.hpp"

namespace ezkvm::helper {

void print_diagnostics(const Diagnostics& diags)
{
    for (const auto& d : diags.items())
        say("{}", d.str());
}

std::optional<config::LoadedVm> load(const Invocation& inv, const config::Environment& env)
{
    Diagnostics diags;
    // A transient unit (ezkvm --user start FILE) names its VM file, installed nowhere.
    const char* file = std::getenv("EZKVM_VM_FILE");
    auto vm = config::load_vm(file && *file ? file : inv.vm, env, diags);
    print_diagnostics(diags);
    if (!vm || diags.has_errors())
        return std::nullopt;
    if (vm->name != inv.vm) {
        say("{} is the file of VM '{}', not '{}'", vm->source, vm->name, inv.vm);
        return std::nullopt;
    }
    return vm;
}

VmContext load_context(const Invocation& inv)
{
    auto env = config::Environment::from_process(inv.scope);
    auto vm = load(inv, env);
    return {std::move(env), std::move(vm), vm_paths(inv.vm, inv.scope)};
}

}  // namespace ezkvm::helper
