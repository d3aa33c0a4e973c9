#pragma once
// The VM's user may open the host devices its file names (host.usb, block
// devices, VFIO groups, kvmfr, /dev/kvm) while the VM runs, and not after:
// prepare gives it an ACL entry on each node (for USB the /dev/bus/usb/BBB/DDD
// node found now) and records the nodes in root's own directory
// (/run/ezkvm/_host/usb/<vm>.json, which the VM's user can neither write nor
// replace); the unit's ExecStopPost= (ezkvm-helper cleanup) takes the entries
// back, however qemu ended.
#include <string>
#include <vector>

#include "runtime/prepare.hpp"

namespace ezkvm::runtime {

// Where the granted nodes of VM `vm` are recorded, under `root` (EZKVM_ROOT).
std::string usb_access_record(const std::string& vm, const std::string& root);
// Where earlier releases recorded them: the VM's runtime directory, its user's.
// Read only when the file is still root's own, so VMs that run across an upgrade lose their grant at stop.
std::string legacy_usb_access_record(const VmPaths& paths);

// Takes back an earlier grant (a crash left one), then grants the user rw on
// every host.usb device node and input.device_nodes and records them. Only with input.grant_device_access.
std::vector<Created> grant_usb_access(const PrepareInput& input, Diagnostics& diags);

// Takes back what the record lists and removes it; nothing recorded is fine.
// Returns the nodes whose access was taken back.
std::vector<std::string> revoke_usb_access(const std::string& vm, const VmPaths& paths, const std::string& root,
                                           Diagnostics& diags);

}  // namespace ezkvm::runtime
