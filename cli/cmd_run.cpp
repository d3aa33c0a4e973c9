#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/host_capabilities.hpp"
#include "cli/print_diagnostics.hpp"
#include "config/resolve.hpp"
#include "net/bridge_tap.hpp"
#include "net/host_network.hpp"
#include "net/interfaces.hpp"
#include "net/links.hpp"
#include "runtime/prepare.hpp"
#include "runtime/runtime_claim.hpp"
#include "runtime/stop_signals.hpp"
#include "runtime/supervise.hpp"
#include "runtime/swtpm.hpp"
#include "runtime/vars_template.hpp"
#include "units/settings.hpp"
#include "checks/host_check.hpp"
#include "planner/planner.hpp"

namespace ezkvm::cli {
namespace {

struct RunOptions {
    std::string vm;
    bool console = false;
};

// general.user is for the systemd units; here qemu runs as whoever runs ezkvm.
void warn_about_user(const config::LoadedVm& vm, Diagnostics& diags)
{
    const std::string& wanted = vm.spec.general.user;
    const passwd* me = ::getpwuid(::geteuid());
    const std::string name = me ? me->pw_name : std::to_string(::geteuid());
    if (!wanted.empty() && wanted != name)
        diags.warning({}, "general.user",
                      fmt::format("ezkvm run starts qemu as {}, not as general.user {}", name, wanted),
                      fmt::format("the unit ezkvm@{}.service runs it as {}", vm.name, wanted));
}

// Taps for bridge and nat NICs and macvtaps, as the unit's privileged prepare step makes them; only root can.
// (A user VM's taps come from root's bridge tap service instead: handed_fds.)
bool setup_network(const config::LoadedVm& vm, Scope scope, const Owner& owner, Diagnostics& diags)
{
    auto links = net::host_links(vm.spec);
    if (scope == Scope::User)
        std::erase_if(links, [](const net::HostLink& link) { return link.kind == net::LinkKind::Tap; });
    if (links.empty())
        return false;
    if (::geteuid() != 0) {
        const auto index = links.front().nic;
        diags.error(vm.spec.network[index].pos, fmt::format("network[{}].type", index),
                    "only root can create the host interface this NIC needs",
                    fmt::format("run ezkvm run as root, or start the unit: systemctl start ezkvm@{}", vm.name));
        return false;
    }
    for (const auto& name : net::setup_host_network(vm.spec, {owner.uid, owner.gid}, diags))
        std::cerr << fmt::format("ezkvm: created network interface {}\n", name);
    return true;
}

std::vector<Fd> handed_fds(const config::LoadedVm& vm, const qemu::Command& plan, Diagnostics& diags)
{
    std::vector<Fd> handed;
    if (auto opened = net::open_macvtaps(plan.macvtaps))
        handed = std::move(*opened);
    else
        diags.error({}, "network", fmt::format("cannot hand the macvtaps to qemu: {}", opened.error().message));
    for (const auto& tap : plan.bridge_taps) {
        auto fd = net::request_bridge_tap(net::bridge_tap_socket, {vm.name, tap.nic, tap.bridge});
        if (fd)
            handed.push_back(std::move(*fd));
        else
            diags.error(vm.spec.network[tap.nic].pos, fmt::format("network[{}].bridge", tap.nic),
                        fmt::format("no tap on {}: {}", tap.bridge, fd.error().message));
    }
    return handed;
}

void remove_network(const config::LoadedVm& vm)
{
    Diagnostics diags;
    for (const auto& name : net::remove_host_network(vm.name, diags))
        std::cerr << fmt::format("ezkvm: removed network interface {}\n", name);
    print_diagnostics(std::cerr, diags);
}

// Prepares the VM's files, starts its TPM and runs qemu; the caller holds the runtime directory.
int run_claimed(const config::LoadedVm& vm, const config::Environment& env, const qemu::Command& plan,
                const VmPaths& paths, const RunOptions& opts, runtime::StopSignals& signals)
{
    const auto& spec = vm.spec;
    Diagnostics diags;
    runtime::PrepareInput input;
    input.spec = &spec;
    input.paths = paths;
    input.vars_template = runtime::vars_template(vm, env);
    for (const auto& created : runtime::prepare(input, diags))
        std::cerr << fmt::format("ezkvm: created {} {}\n", created.what, created.path);
    const bool network = !diags.has_errors() && setup_network(vm, env.scope, input.owner, diags);
    std::vector<Fd> handed;  // qemu's -netdev tap,fd=N, as the unit's with-macvtaps or with-bridge-taps step
    if (!diags.has_errors())
        handed = handed_fds(vm, plan, diags);
    std::optional<runtime::Swtpm> tpm;
    if (!diags.has_errors() && spec.system.tpm.type == config::TpmType::Swtpm) {
        tpm = runtime::Swtpm::start(spec, paths, input.owner, diags);
        if (tpm)
            std::cerr << fmt::format("ezkvm: started swtpm (pid {}) on {}\n", tpm->pid(), tpm->socket_path());
    }
    print_diagnostics(std::cerr, diags);
    if (diags.has_errors()) {
        if (tpm)
            tpm->stop();
        if (network)
            remove_network(vm);
        return exit_errors;
    }

    runtime::SuperviseOptions options;
    options.argv = plan.argv;
    for (const auto& fd : handed)
        options.qemu_fds.push_back(fd.get());
    options.qmp_socket = paths.qmp();
    if (opts.console)
        options.console_socket = paths.console();
    options.stop_timeout = std::chrono::seconds(spec.general.stop_timeout);
    const int code = runtime::supervise(options, signals, std::cerr);
    if (tpm)
        tpm->stop();
    if (network)
        remove_network(vm);
    return code;
}

int run_vm(const RunOptions& opts, const GlobalOptions& global)
{
    const auto env = config::Environment::from_process(global.scope());
    Diagnostics diags;
    auto vm = config::load_vm(opts.vm, env, diags);
    if (vm && !diags.has_errors())
        checks::check_host(*vm, env, HostProblems::Errors, diags);
    std::optional<planner::Plan> plan;
    if (vm && !diags.has_errors())
        plan = planner::plan_vm(*vm, env,
                           {.console_log = planner::ConsoleLog::File,
                            .host = host_capabilities(env.scope),
                            .qemu_user = host::find_user(units::qemu_user_name({}, {}, Scope::User))},
                           diags);
    if (plan)
        warn_about_user(*vm, diags);
    if (plan && opts.console && !vm->spec.serial)
        diags.error({}, "serial", "--console needs the serial console, which this VM turns off (serial: no)");
    print_diagnostics(std::cerr, diags);
    if (!plan || diags.has_errors())
        return exit_errors;

    // From here on Ctrl-C and SIGTERM are events: they stop the VM gracefully once it runs.
    runtime::StopSignals signals;
    const VmPaths& paths = plan->paths;
    Diagnostics claim_diags;
    auto claim = runtime::RuntimeClaim::acquire(vm->name, paths, Owner::current(), claim_diags);
    if (!claim) {
        print_diagnostics(std::cerr, claim_diags);
        return exit_errors;
    }
    const int code = run_claimed(*vm, env, plan->command, paths, opts, signals);
    claim->remove_runtime_files();
    return code;
}

}  // namespace

Action setup_run(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<RunOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    app.add_flag("--console", opts->console, "Show the guest's serial console output (Ctrl-C still stops the VM)");
    return [opts, &global] { return run_vm(*opts, global); };
}

}  // namespace ezkvm::cli
