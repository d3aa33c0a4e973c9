// ezkvm restart VM: `systemctl restart` over sd-bus (a graceful stop, then a start).
#include "bus/manager.hpp"
#include "cli/command.hpp"
#include "cli/systemd_unit.hpp"
#include "units/vm_units.hpp"

namespace ezkvm::cli {

Action setup_restart(CLI::App& app, const GlobalOptions& global)
{
    auto vm = std::make_shared<std::string>();
    app.add_option("vm", *vm, "VM name")->required();
    return [vm, &global] {
        auto bus = connect(global);
        if (!bus)
            return exit_errors;
        // A transient user VM (ezkvm --user start FILE) has no installed file to check.
        if (vm_unit(*bus, *vm) == units::vm_unit_name(*vm) && !vm_file_ok(*vm, global))
            return exit_errors;
        return run_vm_job(*bus, *vm, bus::JobVerb::Restart);
    };
}

}  // namespace ezkvm::cli
