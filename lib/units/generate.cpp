#include "units/generate.hpp"

#include "units/vm_units.hpp"
#include "vm/host_check.hpp"
#include "vm/planner.hpp"

namespace ezkvm::units {

std::optional<std::vector<GeneratedFile>> generate_vm_units(const config::LoadedVm& vm,
                                                            const config::Environment& env,
                                                            const UnitSettings& settings, Diagnostics& diags)
{
    vm::check_host(vm, env, vm::HostProblems::Warnings, diags);
    auto plan = vm::plan_vm(vm, env, vm::HostProblems::Errors, diags);
    if (!plan || diags.has_errors())
        return std::nullopt;
    return vm_unit_files(vm, *plan, vm_paths(vm.name, env.scope), settings);
}

}  // namespace ezkvm::units
