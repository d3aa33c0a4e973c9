// ExecStartPre=+: runs as root outside the sandbox and makes what qemu and
// swtpm need before they start, owned by the user they run as.
#include <pwd.h>

#include "helpers/helper.hpp"
#include "runtime/prepare.hpp"
#include "runtime/vars_template.hpp"
#include "units/settings.hpp"
#include "vm/host_check.hpp"
#include "vm/planner.hpp"

namespace ezkvm::helper {
namespace {

// The user the unit runs qemu as: general.user, else ezkvm (the generator's User=).
// A user manager runs everything as its own user.
std::optional<runtime::Owner> vm_owner(const config::VmSpec& spec, Scope scope, Diagnostics& diags)
{
    if (scope == Scope::User)
        return runtime::Owner::current();
    const std::string name =
        spec.general.user.empty() ? units::installed_settings(Scope::System).default_user : spec.general.user;
    const passwd* user = ::getpwnam(name.c_str());
    if (!user) {
        diags.error({}, "general.user", fmt::format("the user {} that runs this VM does not exist", name),
                    spec.general.user.empty() ? "run systemd-sysusers to create it" : "create it or change general.user");
        return std::nullopt;
    }
    return runtime::Owner{user->pw_uid, user->pw_gid};
}

}  // namespace

int prepare(const Invocation& inv)
{
    const auto env = config::Environment::from_process(inv.scope);
    const auto vm = load(inv, env);
    if (!vm)
        return 1;
    Diagnostics diags;
    vm::check_host(*vm, env, vm::HostProblems::Errors, diags);
    std::optional<qemu::Plan> plan;
    if (!diags.has_errors())
        plan = vm::plan_vm(*vm, env, vm::HostProblems::Errors, diags);
    std::optional<runtime::Owner> owner;
    if (plan && !diags.has_errors())
        owner = vm_owner(vm->spec, inv.scope, diags);
    if (owner) {
        runtime::PrepareInput input;
        input.spec = &vm->spec;
        input.paths = vm_paths(vm->name, inv.scope);
        input.vars_template = runtime::vars_template(*vm, env);
        input.owner = *owner;
        for (const auto& created : runtime::prepare(input, diags))
            say("created {} {}", created.what, created.path);
    }
    print_diagnostics(diags);
    return diags.has_errors() || !owner ? 1 : 0;
}

}  // namespace ezkvm::helper
