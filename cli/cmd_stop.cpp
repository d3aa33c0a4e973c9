// ezkvm stop VM: `systemctl stop` over sd-bus: the unit's ExecStop= presses the
// ACPI power button until the guest powers off or its stop timeout passes.
// --force skips that wait: SIGTERM to qemu (KillUnit), which makes qemu exit at
// once like QMP `quit` (the guest is cut off, qemu's own buffers are flushed),
// then the stop job, which finds qemu gone.
#include <csignal>
#include <iostream>

#include "bus/manager.hpp"
#include "cli/command.hpp"
#include "cli/systemd_unit.hpp"
#include "cli/vm_target.hpp"

namespace ezkvm::cli {
namespace {

struct StopOptions {
    std::string vm;
    bool force = false;
};

}  // namespace

Action setup_stop(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<StopOptions>();
    app.add_option("vm", opts->vm, "VM name")->required();
    app.add_flag("-f,--force", opts->force, "Do not wait for the guest to power off: make qemu exit at once");
    return [opts, &global] {
        if (!check_vm_name(opts->vm))
            return exit_usage;
        auto bus = connect(global);
        if (!bus)
            return exit_errors;
        if (opts->force) {
            const std::string unit = vm_unit(*bus, opts->vm);
            const auto state = bus::unit_state(*bus, unit);
            if (state && state->main_pid != 0) {
                if (const auto killed = bus::kill_main_process(*bus, unit, SIGTERM); !killed) {
                    print_bus_error(killed.error(), unit);
                    return exit_errors;
                }
            }
        }
        return run_vm_job(*bus, opts->vm, bus::JobVerb::Stop);
    };
}

}  // namespace ezkvm::cli
