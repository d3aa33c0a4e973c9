#include "runtime/vars_template.hpp"

#include "firmware/firmware.hpp"

namespace ezkvm::runtime {

std::string vars_template(const config::LoadedVm& vm, const config::Environment& env)
{
    const auto& bios = vm.spec.system.bios;
    if (bios.type != config::FirmwareType::Ovmf || !bios.file.empty())
        return {};
    const auto sources = env.scope == Scope::User ? firmware::user_sources(env.root, xdg_config_home())
                                                  : firmware::system_sources(env.root);
    Diagnostics ignored;
    const auto chosen = firmware::select(vm.spec, sources, ignored, {});
    return chosen && !chosen->vars_template.empty() ? env.real(chosen->vars_template) : std::string();
}

}  // namespace ezkvm::runtime
