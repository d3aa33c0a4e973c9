# fish completion for ezkvm(1): commands, their options and VM names.
# VM names come from `ezkvm [--user] complete-vms` (the installed VM files).

function __ezkvm_vms
    set -l tokens (commandline -opc)
    if contains -- --user $tokens
        $tokens[1] --user complete-vms 2>/dev/null
    else
        $tokens[1] complete-vms 2>/dev/null
    end
end

set -l commands check show run list start stop restart status logs console qmp monitor view pin host import
set -l vm_commands show run start stop restart status logs console qmp monitor view check pin

complete -c ezkvm -f
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -l user -d "The invoking user's VMs"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -l help -d "Show help"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -l version -d "Show the version"

complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a check -d "Validate VM files"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a show -d "Print the qemu command line of a VM"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a run -d "Run a VM in the foreground"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a list -d "List the VMs and their state"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a start -d "Start a VM through systemd"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a stop -d "Stop a VM through systemd"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a restart -d "Restart a VM through systemd"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a status -d "Show the state of a VM"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a logs -d "Show the journal of a VM"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a console -d "Attach to a VM's serial console"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a qmp -d "Run one QMP command"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a monitor -d "Human-monitor prompt over QMP"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a view -d "Open the VM's viewer"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a pin -d "Pin the machine version in a VM file"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a host -d "What this host's qemu and KVM can do"
complete -c ezkvm -n "not __fish_seen_subcommand_from $commands" -a import -d "Write a VM file from a Proxmox VM config"

# VM names (and VM files where a file is accepted too).
complete -c ezkvm -n "__fish_seen_subcommand_from $vm_commands" -a "(__ezkvm_vms)" -d VM
complete -c ezkvm -n "__fish_seen_subcommand_from check show run start pin" -F

complete -c ezkvm -n "__fish_seen_subcommand_from $commands" -l help -d "Show help"
complete -c ezkvm -n "__fish_seen_subcommand_from show" -l shell -d "One shell line"
complete -c ezkvm -n "__fish_seen_subcommand_from show" -l json -d "A JSON array"
complete -c ezkvm -n "__fish_seen_subcommand_from show" -l resolved -d "The merged configuration"
complete -c ezkvm -n "__fish_seen_subcommand_from show" -l units -d "The generated units"
complete -c ezkvm -n "__fish_seen_subcommand_from run" -l console -d "Show the serial console"
complete -c ezkvm -n "__fish_seen_subcommand_from list status" -l json -d "JSON output"
complete -c ezkvm -n "__fish_seen_subcommand_from start" -l print-systemd-run -d "Print the equivalent systemd-run"
complete -c ezkvm -n "__fish_seen_subcommand_from stop" -s f -l force -d "Skip the graceful wait"
complete -c ezkvm -n "__fish_seen_subcommand_from logs" -s f -l follow -d "Follow the journal"
complete -c ezkvm -n "__fish_seen_subcommand_from logs" -s n -l lines -x -d "Only the last N lines"
complete -c ezkvm -n "__fish_seen_subcommand_from check" -s q -l quiet -d "Print only problems"
complete -c ezkvm -n "__fish_seen_subcommand_from view" -l print -d "Print the viewer command"
complete -c ezkvm -n "__fish_seen_subcommand_from pin" -l version -x -d "The version to pin"
complete -c ezkvm -n "__fish_seen_subcommand_from host" -l refresh -d "Probe again"
complete -c ezkvm -n "__fish_seen_subcommand_from host" -l json -d "JSON output"
complete -c ezkvm -n "__fish_seen_subcommand_from view" -l timeout -x -d "Seconds to wait for the VM"
complete -c ezkvm -n "__fish_seen_subcommand_from import; and not __fish_seen_subcommand_from proxmox" -f -a proxmox -d "From a Proxmox VM config"
complete -c ezkvm -n "__fish_seen_subcommand_from proxmox" -l name -x -d "The VM's name"
complete -c ezkvm -n "__fish_seen_subcommand_from proxmox" -l storage -x -d "Where storage ID keeps its volumes (ID=PATH)"
complete -c ezkvm -n "__fish_seen_subcommand_from proxmox" -s o -l output -r -d "Write the VM file here"
complete -c ezkvm -n "__fish_seen_subcommand_from proxmox" -F
