#pragma once
// The VM's user may open the host devices its file names (host.usb, block
// devices, VFIO groups, kvmfr, /dev/kvm) while the VM runs, and not after:
// prepare gives it an ACL entry on each node (for USB the /dev/bus/usb/BBB/DDD
// node found now) and records the nodes in the runtime directory;
// the unit's ExecStopPost= (ezkvm-helper cleanup) takes the entries back,
// however qemu ended.
#include <string>
#include <vector>

#include "runtime/prepare.hpp"

namespace ezkvm::runtime {

// Where the granted nodes are recorded (root's file in the VM's runtime directory).
std::string usb_access_record(const VmPaths& paths);

// Takes back an earlier grant (a crash left one), then grants the user rw on
// every host.usb device node and input.device_nodes and records them. Only with input.grant_device_access.
std::vector<Created> grant_usb_access(const PrepareInput& input, Diagnostics& diags);

// Takes back what the record lists and removes it; nothing recorded is fine.
// Returns the nodes whose access was taken back.
std::vector<std::string> revoke_usb_access(const VmPaths& paths, const std::string& root, Diagnostics& diags);

}  // namespace ezkvm::runtime
