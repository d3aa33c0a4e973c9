#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/report.hpp"
#include "config/emit.hpp"
#include "config/resolve.hpp"
#include "util/shell_quote.hpp"
#include "vm/planner.hpp"

namespace ezkvm::cli {
namespace {

struct ShowOptions {
    std::string vm;
    bool shell = false;
    bool json = false;
    bool resolved = false;
};

void print_argv(const std::vector<std::string>& argv, const ShowOptions& opts)
{
    if (opts.json) {
        std::cout << nlohmann::json(argv).dump(2) << '\n';
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

}  // namespace

Action setup_show(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<ShowOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    auto* shell = app.add_flag("--shell", opts->shell, "One copy-pasteable shell line");
    auto* json = app.add_flag("--json", opts->json, "A JSON array of arguments");
    auto* resolved = app.add_flag("--resolved", opts->resolved,
                                  "The merged configuration (template < defaults < VM file) instead");
    shell->excludes(json)->excludes(resolved);
    json->excludes(resolved);
    return [opts, &global] {
        const auto env = config::Environment::from_process(global.scope());
        Diagnostics diags;
        auto vm = config::load_vm(opts->vm, env, diags);
        if (vm && opts->resolved && !diags.has_errors()) {
            print_diagnostics(std::cerr, diags);
            std::cout << config::to_yaml(vm->merged);
            return exit_ok;
        }
        std::optional<qemu::Plan> plan;
        if (vm && !diags.has_errors())
            plan = vm::plan_vm(*vm, env, vm::HostProblems::Errors, diags);
        print_diagnostics(std::cerr, diags);
        if (!plan || diags.has_errors())
            return exit_errors;
        print_argv(plan->argv, *opts);
        return exit_ok;
    };
}

}  // namespace ezkvm::cli
