// ezkvm start VM: `systemctl start ezkvm@VM.service` over sd-bus, waiting
// until the VM runs (the unit's wait-ready step); a failure comes with the
// unit's last journal lines. ezkvm --user start FILE: a VM file installed
// nowhere, as a transient user unit (what `systemd-run --user` would do).
#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "bus/manager.hpp"
#include "cli/command.hpp"
#include "cli/host_capabilities.hpp"
#include "cli/print_diagnostics.hpp"
#include "cli/unit_jobs.hpp"
#include "config/parse.hpp"
#include "config/resolve.hpp"
#include "ezkvm_config.h"
#include "units/transient.hpp"
#include "planner/planner.hpp"

namespace ezkvm::cli {
namespace {

struct StartOptions {
    std::string vm;
    bool print_systemd_run = false;
};

std::optional<bus::TransientUnit> transient_unit(const std::string& file, const GlobalOptions& global)
{
    const auto env = config::Environment::from_process(global.scope());
    Diagnostics diags;
    std::optional<bus::TransientUnit> unit;
    if (auto vm = config::load_vm(file, env, diags); vm && !diags.has_errors()) {
        const planner::PlanOptions options{.host = host_capabilities(env.scope)};
        if (auto plan = planner::plan_vm(*vm, env, options, diags); plan && !diags.has_errors()) {
            std::error_code ec;
            const auto absolute = std::filesystem::absolute(file, ec).lexically_normal().string();
            unit = units::transient_vm_unit(*vm, *plan, absolute, std::string(EZKVM_LIBEXECDIR) + "/ezkvm-helper",
                                            diags);
        }
    }
    print_diagnostics(std::cerr, diags);
    if (diags.has_errors())
        return std::nullopt;
    return unit;
}

int start_transient(const StartOptions& opts, const GlobalOptions& global)
{
    const auto unit = transient_unit(opts.vm, global);
    if (!unit)
        return exit_errors;
    if (opts.print_systemd_run) {
        std::cout << units::systemd_run_command(*unit) << '\n';
        return exit_ok;
    }
    auto bus = connect(global);
    if (!bus)
        return exit_errors;
    // A failed transient unit stays loaded (and its name taken) until reset.
    if (const auto state = bus::unit_state(*bus, unit->name); state && state->active_state == "failed")
        bus::reset_failed(*bus, unit->name);
    if (!job_done(*bus, bus::start_transient(*bus, *unit), unit->name))
        return exit_errors;
    std::cout << fmt::format("started {} from {}\n", unit->name, opts.vm);
    return exit_ok;
}

}  // namespace

Action setup_start(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<StartOptions>();
    app.add_option("vm", opts->vm, "VM name; with --user also a VM file to run as a transient unit")->required();
    app.add_flag("--print-systemd-run", opts->print_systemd_run,
                 "With --user FILE: print the equivalent systemd-run command instead of starting");
    return [opts, &global] {
        if (config::is_file_argument(opts->vm)) {
            if (!global.user) {
                std::cerr << fmt::format("ezkvm: system VMs start from /etc/ezkvm: copy {} there (and run "
                                         "`systemctl daemon-reload`), or run it as your own with "
                                         "`ezkvm --user start {}`\n",
                                         opts->vm, opts->vm);
                return exit_usage;
            }
            return start_transient(*opts, global);
        }
        if (opts->print_systemd_run) {
            std::cerr << "ezkvm: --print-systemd-run needs --user and a VM file\n";
            return exit_usage;
        }
        if (!vm_file_ok(opts->vm, global))
            return exit_errors;
        auto bus = connect(global);
        if (!bus)
            return exit_errors;
        const auto started = std::chrono::steady_clock::now();
        const int code = run_vm_job(*bus, opts->vm, bus::JobVerb::Start);
        if (code == exit_ok)
            std::cout << fmt::format("started {} ({:.2f} s)\n", vm_unit(*bus, opts->vm),
                                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        return code;
    };
}

}  // namespace ezkvm::cli
