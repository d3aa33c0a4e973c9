// ExecStartPre=+: runs as root outside the sandbox and makes what qemu and
// swtpm need before they start, owned by the user they run as.
#include <cstdlib>

#include "helpers/helper.hpp"
#include "host/device_open.hpp"
#include "hostcaps/cache.hpp"
#include "net/host_network.hpp"
#include "net/links.hpp"
#include "runtime/prepare.hpp"
#include "runtime/vars_template.hpp"
#include "units/settings.hpp"
#include "units/vm_units.hpp"
#include "checks/host_check.hpp"
#include "planner/planner.hpp"

namespace ezkvm::helper {
namespace {

// The unit's ExecStart= was planned from the host capabilities whose fingerprint
// the generator put in its environment; if the host changed since (a qemu
// upgrade, a new kernel, KVM appeared), it may not be the command that fits.
void check_units_current(const qemu::Command& plan, Scope scope, Diagnostics& diags)
{
    const char* generated_with = std::getenv(units::host_fingerprint_variable);
    if (!generated_with || plan.host_fingerprint == generated_with)
        return;
    diags.error({}, "general.accel",
                "this host's qemu or KVM changed since the VM's unit was generated, so its qemu command line may "
                "not fit any more",
                fmt::format("run 'systemctl{} daemon-reload' (or restart ezkvm-host-probe.service), then start it again",
                            scope == Scope::User ? " --user" : ""));
}

}  // namespace

// The VM's taps and macvtaps (only root can make them: a user VM's taps come from
// root's bridge tap service when qemu starts, and it cannot have macvtaps).
std::vector<std::string> prepare_network(const config::VmSpec& spec, Scope scope, const Owner& owner,
                                         Diagnostics& diags)
{
    const auto links = net::host_links(spec);
    if (links.empty())
        return {};
    if (scope == Scope::User) {
        for (const auto& link : links)
            if (link.kind == net::LinkKind::Macvtap)
                diags.error(spec.network[link.nic].pos, fmt::format("network[{}].type", link.nic),
                            "a user VM cannot have macvtap NICs: only root can create them",
                            "use type bridge (with the bridge allowed in /etc/qemu/bridge.conf), user or passt, "
                            "or run it as a system VM (/etc/ezkvm)");
        return {};
    }
    return net::setup_host_network(spec, {owner.uid, owner.gid}, diags);
}

int prepare(const Invocation& inv)
{
    const auto context = load_context(inv);
    const auto& [env, vm, paths] = context;
    if (!vm)
        return 1;
    Diagnostics diags;
    checks::check_host(*vm, env, HostProblems::Errors, diags);
    if (inv.scope == Scope::System && !diags.has_errors())
        held_resources_free(*vm, env, diags);
    std::optional<planner::Plan> plan;
    if (!diags.has_errors()) {
        const auto host = hostcaps::current(inv.scope);
        if (!host.note.empty())
            say("{}", host.note);
        plan = planner::plan_vm(*vm, env,
                           {.host = host.caps ? &*host.caps : nullptr,
                            .qemu_user = host::find_user(units::qemu_user_name(vm->name, vm->spec.general.user, inv.scope))},
                           diags);
    }
    if (plan)
        check_units_current(plan->command, inv.scope, diags);
    std::optional<Owner> owner;
    if (plan && !diags.has_errors())
        owner = vm_owner(*vm, inv.scope, diags);
    if (owner) {
        runtime::PrepareInput input;
        input.spec = &vm->spec;
        input.paths = paths;
        if (inv.scope == Scope::System)
            input.paths.state_dir = real_state_dir(paths.state_dir);
        input.vars_template = runtime::vars_template(*vm, env);
        input.owner = *owner;
        input.root = env.root;
        input.grant_device_access = inv.scope == Scope::System;  // ACLs need root
        if (input.grant_device_access)
            input.device_nodes = vm_device_nodes(vm->spec, plan->command, env.root);
        for (const auto& created : runtime::prepare(input, diags))
            say("created {} {}", created.what, created.path);
        if (!diags.has_errors())
            for (const auto& name : prepare_network(vm->spec, inv.scope, *owner, diags))
                say("created network interface {}", name);
    }
    print_diagnostics(diags);
    return diags.has_errors() || !owner ? 1 : 0;
}

}  // namespace ezkvm::helper
