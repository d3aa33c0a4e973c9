#pragma once
// First-start preparation of one VM, before qemu runs: its private runtime and
// state directories, the UEFI variable store copied from the firmware's
// template, disk images marked `create`, and the TPM state. Each step only
// creates what is missing and never overwrites: running it on every start (as
// `ezkvm run` does, and later a unit's ExecStartPre=) is safe.
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "base/private_dir.hpp"
#include "base/diagnostic.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::runtime {

struct PrepareInput {
    const config::VmSpec* spec = nullptr;
    VmPaths paths;
    std::string vars_template;   // the chosen firmware's nvram template; "" when it has none
    Owner owner = Owner::current();
    std::string qemu_img = "qemu-img";
    std::string swtpm_setup = "swtpm_setup";
    std::string root;                   // EZKVM_ROOT: prefixes /sys, /dev (tests)
    bool grant_device_access = false;   // ACLs on host.usb nodes and device_nodes (root, system VMs)
    std::vector<std::string> device_nodes;  // besides USB: /dev/kvm, vhost-net, block devices, VFIO groups, kvmfr
};

struct Created {
    std::string what;  // "UEFI variable store", "disk image", "TPM 2.0 state"
    std::string path;
};

// What was created this time; problems go to `diags` (each naming the file and what to do).
std::vector<Created> prepare(const PrepareInput& input, Diagnostics& diags);

}  // namespace ezkvm::runtime
