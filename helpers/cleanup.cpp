// ExecStopPost=+: runs as root after qemu has gone, however it went (clean
// stop, crash, kill -9, failed start), and undoes what prepare did to the host.
// It must work from the instance name alone: the VM file may have been removed
// or broken since the VM started, so nothing here loads it.
#include "helpers/helper.hpp"
#include "net/host_network.hpp"
#include "runtime/usb_access.hpp"

namespace ezkvm::helper {

int cleanup(const Invocation& inv)
{
    Diagnostics diags;
    for (const auto& name : net::remove_host_network(inv.vm, diags))
        say("removed network interface {}", name);
    const auto root = config::Environment::from_process(inv.scope).root;
    for (const auto& node : runtime::revoke_usb_access(inv.vm, vm_paths(inv.vm, inv.scope), root, diags))
        say("took back the VM user's access to USB device {}", node);
    print_diagnostics(diags);
    return diags.has_errors() ? 1 : 0;
}

}  // namespace ezkvm::helper
