#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/host_capabilities.hpp"
#include "checks/host_check.hpp"
#include "cli/print_diagnostics.hpp"
#include "config/emit.hpp"
#include "config/resolve.hpp"
#include "units/generate.hpp"
#include "base/shell_quote.hpp"
#include "planner/planner.hpp"
#include "base/json_text.hpp"

namespace ezkvm::cli {
namespace {

struct ShowOptions {
    std::string vm;
    bool shell = false;
    bool json = false;
    bool resolved = false;
    bool units = false;
};

void print_argv(const std::vector<std::string>& argv, const ShowOptions& opts)
{
    if (opts.json) {
        std::cout << json_text(argv, 2) << '\n';
    } else if (opts.shell) {
        std::string line;
        for (const auto& arg : argv)
            line += (line.empty() ? "" : " ") + shell_quote(arg);
        std::cout << line << '\n';
    } else {
        for (const auto& arg : argv)
            std::cout << arg << '\n';
    }
}

// The same files the generator writes, except that SourcePath= names the file as given.
int print_units(config::LoadedVm& vm, const config::Environment& env, Scope scope, Diagnostics& diags)
{
    std::error_code ec;
    if (auto absolute = std::filesystem::absolute(vm.source, ec); !ec)
        vm.source = absolute.lexically_normal().string();
    checks::check_host(vm, env, HostProblems::Warnings, diags);
    auto files = units::generate_vm_units(vm, env, units::installed_settings(scope), host_capabilities(scope), diags);
    print_diagnostics(std::cerr, diags);
    if (!files || diags.has_errors())
        return exit_errors;
    std::cout << units::render_listing(*files);
    return exit_ok;
}

}  // namespace

Action setup_show(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<ShowOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    auto* shell = app.add_flag("--shell", opts->shell, "One copy-pasteable shell line");
    auto* json = app.add_flag("--json", opts->json, "A JSON array of arguments");
    auto* resolved = app.add_flag("--resolved", opts->resolved,
                                  "The merged configuration (template < defaults < VM file) instead");
    auto* units = app.add_flag("--units", opts->units,
                               "The unit files ezkvm-generator writes for it instead (like its --dry-run)");
    shell->excludes(json)->excludes(resolved)->excludes(units);
    json->excludes(resolved)->excludes(units);
    resolved->excludes(units);
    return [opts, &global] {
        const auto env = config::Environment::from_process(global.scope());
        Diagnostics diags;
        auto vm = config::load_vm(opts->vm, env, diags);
        if (vm && opts->resolved && !diags.has_errors()) {
            print_diagnostics(std::cerr, diags);
            std::cout << config::to_yaml(vm->merged);
            return exit_ok;
        }
        if (vm && opts->units && !diags.has_errors())
            return print_units(*vm, env, global.scope(), diags);
        std::optional<planner::Plan> plan;
        if (vm && !diags.has_errors())
            plan = planner::plan_vm(*vm, env, {.accel = HostProblems::Warnings, .host = host_capabilities(env.scope)},
                               diags);
        print_diagnostics(std::cerr, diags);
        if (!plan || diags.has_errors())
            return exit_errors;
        const auto& command = plan->command;
        print_argv(command.argv, *opts);
        for (size_t k = 0; k < command.macvtaps.size(); ++k)
            std::cerr << fmt::format("ezkvm: fd {} is the device of macvtap {}, which ezkvm makes and opens for "
                                     "qemu (ezkvm-helper with-macvtaps in the unit, or ezkvm run)\n",
                                     qemu::first_handed_fd + static_cast<int>(k), command.macvtaps[k]);
        for (size_t k = 0; k < command.bridge_taps.size(); ++k)
            std::cerr << fmt::format("ezkvm: fd {} is a tap on {} for network[{}], which root's "
                                     "ezkvm-bridge-tap.socket makes (ezkvm-helper with-bridge-taps in the unit, or "
                                     "ezkvm run)\n",
                                     qemu::first_handed_fd + static_cast<int>(k), command.bridge_taps[k].bridge,
                                     command.bridge_taps[k].nic);
        return exit_ok;
    };
}

}  // namespace ezkvm::cli
