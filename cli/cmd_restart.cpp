// ezkvm restart VM: `systemctl restart` over sd-bus (a graceful stop, then a start).
#include <iostream>

#include <fmt/format.h>

#include "bus/manager.hpp"
#include "cli/command.hpp"
#include "cli/unit_jobs.hpp"
#include "cli/vm_target.hpp"
#include "units/vm_units.hpp"

namespace ezkvm::cli {

Action setup_restart(CLI::App& app, const GlobalOptions& global)
{
    auto arg = std::make_shared<std::string>();
    app.add_option("vm", *arg, "VM name or file")->required();
    return [arg, &global] {
        const auto vm = vm_name_of(*arg, global);
        if (!vm)
            return exit_usage;
        auto bus = connect(global);
        if (!bus)
            return exit_errors;
        // A transient user VM (ezkvm --user start FILE) has no installed file to check.
        if (vm_unit(*bus, *vm) == units::vm_unit_name(*vm) && !vm_file_ok(*vm, global))
            return exit_errors;
        const int code = run_vm_job(*bus, *vm, bus::JobVerb::Restart);
        if (code == exit_ok)
            std::cout << fmt::format("restarted {}\n", vm_unit(*bus, *vm));
        return code;
    };
}

}  // namespace ezkvm::cli
