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
    bool any = false;
    for (const auto& vm : vms_) {
        if (!names(vm, address))
            continue;
        if (!names(vm, other))
            return false;
        any = true;
    }
    return any;
}

bool Claims::forced(const std::string& address) const
{
    bool any = false;
    for (const auto& vm : vms_) {
        if (!names(vm, address))
            continue;
        if (!forces(vm, address))
            return false;
        any = true;
    }
    return any;
}

}  // namespace ezkvm::vfio
