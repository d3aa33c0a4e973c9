#include <iostream>
#include <set>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/host_capabilities.hpp"
#include "cli/machine_pin.hpp"
#include "cli/print_diagnostics.hpp"
#include "config/resolve.hpp"
#include "units/settings.hpp"
#include "checks/device_conflicts.hpp"
#include "checks/host_check.hpp"
#include "checks/mac_conflicts.hpp"
#include "checks/original_format.hpp"
#include "planner/planner.hpp"

namespace ezkvm::cli {
namespace {

struct CheckOptions {
    std::vector<std::string> vms;
    bool quiet = false;
};

struct Checked {
    std::string arg;
    std::optional<config::LoadedVm> vm;  // set when it loaded without errors
    std::string source;
    Diagnostics diags;
};

Checked load_one(const std::string& arg, const config::Environment& env)
{
    Checked c{arg, {}, arg, {}};
    auto vm = config::load_vm(arg, env, c.diags);
    if (vm)
        c.source = vm->source;
    if (vm && !c.diags.has_errors())
        c.vm = std::move(vm);
    return c;
}

// The installed VMs the checked ones are compared with for shared devices:
// those not among them by name (a file being checked stands for the installed
// VM of its name). Broken files are skipped: they are reported when checked.
std::vector<config::LoadedVm> installed_others(const std::vector<Checked>& checked, const config::Environment& env)
{
    std::set<std::string> names;
    for (const auto& c : checked)
        if (c.vm)
            names.insert(c.vm->name);
    std::vector<config::LoadedVm> others;
    for (const auto& f : config::find_vm_files(env)) {
        if (names.count(f.name))
            continue;
        Diagnostics ignored;
        auto vm = config::load_vm_file(env.real(f.path), env.real(f.path), env, ignored);
        if (vm && !ignored.has_errors())
            others.push_back(std::move(*vm));
    }
    return others;
}

// Prints one VM's problems; returns true when it has no errors.
bool report(const Checked& c, bool quiet)
{
    print_diagnostics(std::cerr, c.diags);
    if (c.diags.has_errors())
        std::cerr << fmt::format("{}: {} error(s), {} warning(s)\n", c.source, c.diags.error_count(),
                                 c.diags.warning_count());
    else if (!quiet)
        std::cout << fmt::format("{}: ok{}\n", c.source,
                                 c.diags.warning_count() ? fmt::format(" ({} warning(s))", c.diags.warning_count())
                                                         : "");
    return !c.diags.has_errors();
}

bool check_all(const std::vector<std::string>& targets, const config::Environment& env, bool quiet)
{
    std::vector<Checked> checked;
    for (const auto& t : targets)
        checked.push_back(load_one(t, env));
    const auto installed = installed_others(checked, env);
    bool ok = true;
    for (auto& c : checked) {
        if (c.vm) {
            checks::check_host(*c.vm, env, HostProblems::Warnings, c.diags);
            checks::check_original_format(*c.vm, c.diags);
            check_machine_pinned(*c.vm, host_capabilities(env.scope), c.diags);
            planner::plan_vm(*c.vm, env,
                        {HostProblems::Warnings, HostProblems::Warnings, planner::ConsoleLog::Journal,
                         host_capabilities(env.scope),
                         host::find_user(units::qemu_user_name(c.vm->name, c.vm->spec.general.user, env.scope))},
                        c.diags);
            std::vector<const config::LoadedVm*> others;
            for (const auto& o : checked)
                if (o.vm && &o != &c && o.vm->name != c.vm->name)
                    others.push_back(&*o.vm);
            for (const auto& o : installed)
                others.push_back(&o);
            checks::check_device_conflicts(*c.vm, others, c.diags);
            checks::check_network_conflicts(*c.vm, others, c.diags);
        }
        ok = report(c, quiet) && ok;
    }
    return ok;
}

}  // namespace

Action setup_check(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<CheckOptions>();
    app.add_option("vm", opts->vms, "VM names or files (default: every VM in the config directories)");
    app.add_flag("-q,--quiet", opts->quiet, "Print only problems");
    return [opts, &global] {
        const auto env = config::Environment::from_process(global.scope());
        std::vector<std::string> targets = opts->vms;
        if (targets.empty()) {
            for (const auto& f : config::find_vm_files(env))
                targets.push_back(env.real(f.path));
            if (targets.empty()) {
                std::cerr << fmt::format("no VM files in {}\n", env.real(env.config_dirs.front()));
                return exit_ok;
            }
        }
        return check_all(targets, env, opts->quiet) ? exit_ok : exit_errors;
    };
}

}  // namespace ezkvm::cli
