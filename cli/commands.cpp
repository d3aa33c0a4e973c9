#include "cli/command.hpp"

namespace ezkvm::cli {

Action setup_check(CLI::App& app, const GlobalOptions& global);
Action setup_show(CLI::App& app, const GlobalOptions& global);
Action setup_run(CLI::App& app, const GlobalOptions& global);

const std::vector<Command>& commands()
{
    static const std::vector<Command> table{
        {"check", "Validate VM files (all VMs when none is named)", setup_check},
        {"show", "Print the exact qemu command line of a VM", setup_show},
        {"run", "Run a VM in the foreground, without systemd", setup_run},
    };
    return table;
}

}  // namespace ezkvm::cli
