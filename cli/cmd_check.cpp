#include <iostream>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/report.hpp"
#include "config/resolve.hpp"
#include "vm/host_check.hpp"
#include "vm/planner.hpp"

namespace ezkvm::cli {
namespace {

struct CheckOptions {
    std::vector<std::string> vms;
    bool quiet = false;
};

// Checks one VM; returns true when it has no errors.
bool check_one(const std::string& arg, const config::Environment& env, bool quiet)
{
    Diagnostics diags;
    auto vm = config::load_vm(arg, env, diags);
    if (vm && !diags.has_errors()) {
        vm::check_host(*vm, env, vm::HostProblems::Warnings, diags);
        vm::plan_vm(*vm, env, vm::HostProblems::Warnings, diags);
    }
    print_diagnostics(std::cerr, diags);
    const std::string name = vm ? vm->source : arg;
    if (diags.has_errors())
        std::cerr << fmt::format("{}: {} error(s), {} warning(s)\n", name, diags.error_count(), diags.warning_count());
    else if (!quiet)
        std::cout << fmt::format("{}: ok{}\n", name,
                                 diags.warning_count() ? fmt::format(" ({} warning(s))", diags.warning_count()) : "");
    return !diags.has_errors();
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
        bool ok = true;
        for (const auto& t : targets)
            ok = check_one(t, env, opts->quiet) && ok;
        return ok ? exit_ok : exit_errors;
    };
}

}  // namespace ezkvm::cli
