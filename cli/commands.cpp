#include "cli/command.hpp"

namespace ezkvm::cli {

Action setup_check(CLI::App& app, const GlobalOptions& global);
Action setup_list(CLI::App& app, const GlobalOptions& global);
Action setup_start(CLI::App& app, const GlobalOptions& global);
Action setup_stop(CLI::App& app, const GlobalOptions& global);
Action setup_restart(CLI::App& app, const GlobalOptions& global);
Action setup_status(CLI::App& app, const GlobalOptions& global);
Action setup_logs(CLI::App& app, const GlobalOptions& global);
Action setup_show(CLI::App& app, const GlobalOptions& global);
Action setup_run(CLI::App& app, const GlobalOptions& global);
Action setup_console(CLI::App& app, const GlobalOptions& global);
Action setup_qmp(CLI::App& app, const GlobalOptions& global);
Action setup_monitor(CLI::App& app, const GlobalOptions& global);
Action setup_view(CLI::App& app, const GlobalOptions& global);
Action setup_host(CLI::App& app, const GlobalOptions& global);
Action setup_import(CLI::App& app, const GlobalOptions& global);
Action setup_pin(CLI::App& app, const GlobalOptions& global);
Action setup_complete_vms(CLI::App& app, const GlobalOptions& global);

const std::vector<Command>& commands()
{
    static const std::vector<Command> table{
        {"check", "Validate VM files (all VMs when none is named)", setup_check},
        {"show", "Print the exact qemu command line of a VM", setup_show},
        {"run", "Run a VM in the foreground, without systemd", setup_run},
        {"list", "List the VMs with their state from systemd", setup_list},
        {"start", "Start a VM through systemd (--user FILE: a transient unit)", setup_start},
        {"stop", "Stop a VM through systemd: ACPI power-off, --force: at once", setup_stop},
        {"restart", "Restart a VM through systemd", setup_restart},
        {"status", "A VM's state: systemd, QMP, PIDs, sockets, uptime", setup_status},
        {"logs", "A VM's journal (qemu, helpers, serial console)", setup_logs},
        {"console", "Attach to a running VM's serial console (Ctrl-] detaches)", setup_console},
        {"qmp", "Run one QMP command on a running VM and print the JSON reply", setup_qmp},
        {"monitor", "A human-monitor prompt for a running VM, over QMP", setup_monitor},
        {"view", "Open the viewer the VM's display calls for", setup_view},
        {"pin", "Write the current machine version into a VM file, keeping its layout", setup_pin},
        {"host", "What this host's qemu and KVM can do (the host probe)", setup_host},
        {"import", "Write an ezkvm VM file from another tool's VM (import proxmox FILE)", setup_import},
        {"complete-vms", "VM names for shell completion", setup_complete_vms},
    };
    return table;
}

}  // namespace ezkvm::cli
