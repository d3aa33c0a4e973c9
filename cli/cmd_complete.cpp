// `ezkvm complete-vms`: the VM names shell completion offers, one a line.
// Hidden from --help: it is for the completion scripts in completions/.
#include <iostream>

#include "cli/vm_target.hpp"

namespace ezkvm::cli {

Action setup_complete_vms(CLI::App& app, const GlobalOptions& global)
{
    app.group("");  // hidden
    return [&global] {
        for (const auto& name : vm_names(global.scope()))
            std::cout << name << '\n';
        return exit_ok;
    };
}

}  // namespace ezkvm::cli
