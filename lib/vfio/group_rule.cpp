#include "vfio/group_rule.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ezkvm::vfio {
namespace {

std::string quoted_list(const std::vector<std::string>& names)
{
    std::vector<std::string> quoted;
    for (const auto& name : names)
        quoted.push_back("'" + name + "'");
    return fmt::format("{}", fmt::join(quoted, ", "));
}

// "VM 'a'", "VMs 'a', 'b'"
std::string vm_list(const std::vector<std::string>& names)
{
    return (names.size() == 1 ? "VM " : "VMs ") + quoted_list(names);
}

// Why `other` keeps the group from being passed through, or nullopt when it does not.
std::optional<std::string> blocker(const PciDevice& other, const std::vector<std::string>& vms,
                                   const Claims& claims)
{
    if (other.is_bridge() || !other.driver)
        return std::nullopt;
    const auto other_vms = claims.vms_naming(other.address);
    const bool same_vm = std::any_of(other_vms.begin(), other_vms.end(), [&](const std::string& vm) {
        return std::find(vms.begin(), vms.end(), vm) != vms.end();
    });
    if (other.on_vfio() && same_vm)
        return std::nullopt;
    std::string why = other.describe();
    if (!other_vms.empty())
        why += ", passed through by " + vm_list(other_vms);
    else if (other.on_vfio())
        why += ", not passed through by any VM";
    return why;
}

}  // namespace

GroupDecision check_group(const Host& host, const PciDevice& device, const Claims& claims)
{
    GroupDecision decision;
    if (!device.iommu_group)
        return decision;
    const auto vms = claims.vms_naming(device.address);
    std::vector<std::string> blocking;
    for (const auto& address : group_devices(host, *device.iommu_group)) {
        if (address == device.address)
            continue;
        const auto other = read_device(host, address);
        if (!other)
            continue;  // gone while we looked
        if (!other->is_bridge() && claims.always_with(device.address, address)) {
            decision.companions.push_back(address);
            continue;
        }
        if (auto why = blocker(*other, vms, claims))
            blocking.push_back(*why);
    }
    if (blocking.empty())
        return decision;
    const std::string who = vms.empty()       ? "no VM file names it"
                            : vms.size() == 1 ? vm_list(vms) + " passes it through"
                                              : vm_list(vms) + " pass it through";
    decision.refusal = fmt::format(
        "{} shares IOMMU group {} with {} that would stay with the host or another VM ({}): {}; "
        "a group can only be passed through whole: pass {} through in the same VM as well "
        "(gpu.pci or host.pci), unbind {} from {} driver, or move the card to a slot with an "
        "IOMMU group of its own",
        device.address, *device.iommu_group, blocking.size() == 1 ? "a device" : "devices", who,
        fmt::join(blocking, "; "), blocking.size() == 1 ? "it" : "them", blocking.size() == 1 ? "it" : "them",
        blocking.size() == 1 ? "its" : "their");
    decision.companions.clear();
    return decision;
}

}  // namespace ezkvm::vfio
