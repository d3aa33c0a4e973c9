#include "vfio/claims.hpp"

#include <algorithm>

namespace ezkvm::vfio {
namespace {

bool names(const VmDevices& vm, const std::string& address)
{
    return std::find(vm.addresses.begin(), vm.addresses.end(), address) != vm.addresses.end();
}

bool forces(const VmDevices& vm, const std::string& address)
{
    return std::find(vm.forced.begin(), vm.forced.end(), address) != vm.forced.end();
}

}  // namespace

std::vector<std::string> Claims::vms_naming(const std::string& address) const
{
    std::vector<std::string> found;
    for (const auto& vm : vms_)
        if (names(vm, address))
            found.push_back(vm.vm);
    return found;
}

bool Claims::always_with(const std::string& address, const std::string& other) const
{
    return every_vm_naming(address, [&](const VmDevices& vm) { return names(vm, other); });
}

bool Claims::forced(const std::string& address) const
{
    return every_vm_naming(address, [&](const VmDevices& vm) { return forces(vm, address); });
}

bool Claims::every_vm_naming(const std::string& address, const std::function<bool(const VmDevices&)>& holds) const
{
    bool any = false;
    for (const auto& vm : vms_) {
        if (!names(vm, address))
            continue;
        if (!holds(vm))
            return false;
        any = true;
    }
    return any;
}

}  // namespace ezkvm::vfio
