#include "checks/mac_conflicts.hpp"

#include <fmt/format.h>

#include "net/links.hpp"
#include "qemu/identity.hpp"

namespace ezkvm::checks {
namespace {

std::string mac_of(const config::VmSpec& spec, size_t index)
{
    const auto& nic = spec.network[index];
    return nic.mac.empty() ? qemu::derived_mac(spec.general.name, static_cast<unsigned>(index)) : nic.mac;
}

}  // namespace

std::vector<std::string> vm_macs(const config::VmSpec& spec)
{
    std::vector<std::string> macs;
    for (size_t i = 0; i < spec.network.size(); ++i)
        macs.push_back(mac_of(spec, i));
    return macs;
}

namespace {

std::string where(const config::LoadedVm& vm, const Pos& pos)
{
    const std::string at = pos.str();
    return at.empty() ? vm.source : at;
}

}  // namespace

void check_network_conflicts(const config::LoadedVm& vm, const std::vector<const config::LoadedVm*>& others,
                             Diagnostics& diags)
{
    const auto& mine = vm.spec.network;
    const auto my_links = net::host_links(vm.spec);
    for (const auto* other : others) {
        const auto& theirs = other->spec.network;
        for (size_t i = 0; i < mine.size(); ++i)
            for (size_t j = 0; j < theirs.size(); ++j) {
                const std::string mac = mac_of(vm.spec, i);
                if (mac != mac_of(other->spec, j))
                    continue;
                diags.warning(mine[i].pos, fmt::format("network[{}].mac", i),
                              fmt::format("MAC {} is also used by VM '{}' ({}: network[{}]); the two cannot run at "
                                          "the same time",
                                          mac, other->name, where(*other, theirs[j].pos), j),
                              mine[i].mac.empty() ? "set a mac: of your own for this NIC"
                                                  : "give each VM's NICs their own MAC addresses");
            }
        if (my_links.empty())
            continue;
        for (const auto& link : net::host_links(other->spec))
            if (net::is_vm_link(link.name, vm.name)) {
                diags.error(mine[my_links.front().nic].pos, fmt::format("network[{}]", my_links.front().nic),
                            fmt::format("VM '{}' ({}) gets the same host interface names ({}...) as this VM",
                                        other->name, where(*other, other->spec.network[link.nic].pos),
                                        link.name.substr(0, 10)),
                            "rename one of the two VMs");
                break;
            }
    }
}

}  // namespace ezkvm::checks
