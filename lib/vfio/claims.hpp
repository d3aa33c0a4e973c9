#pragma once
// Which VMs pass which host PCI devices through (config::passthrough_addresses
// of each VM file): what the IOMMU group rule needs to know about "the same VM".
#include <functional>
#include <string>
#include <vector>

namespace ezkvm::vfio {

struct VmDevices {
    std::string vm;
    std::vector<std::string> addresses;
    std::vector<std::string> forced = {};  // those the file marks force: yes (host-critical or not)
};

class Claims {
public:
    Claims() = default;
    explicit Claims(std::vector<VmDevices> vms) : vms_(std::move(vms)) {}

    // Names of the VMs passing `address` through.
    std::vector<std::string> vms_naming(const std::string& address) const;
    // Whether every VM passing `address` through also passes `other` through
    // (false when no VM names `address`).
    bool always_with(const std::string& address, const std::string& other) const;

    // Whether some VM passes `address` through and every VM that does says force: yes.
    bool forced(const std::string& address) const;

private:
    // Whether some VM names `address` and `holds` is true of every VM that does.
    bool every_vm_naming(const std::string& address, const std::function<bool(const VmDevices&)>& holds) const;

    std::vector<VmDevices> vms_;
};

}  // namespace ezkvm::vfio
