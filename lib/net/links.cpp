#include "net/links.hpp"

#include "qemu/identity.hpp"

namespace ezkvm::net {

bool is_vm_link(std::string_view ifname, std::string_view vm)
{
    const std::string prefix = qemu::interface_prefix(vm);
    if (!ifname.starts_with(prefix) || ifname.size() < prefix.size() + 2)
        return false;
    const char kind = ifname[prefix.size()];
    if (kind != 'n' && kind != 'm')
        return false;
    const auto index = ifname.substr(prefix.size() + 1);
    for (char c : index)
        if (c < '0' || c > '9')
            return false;
    return true;
}

std::vector<HostLink> host_links(const config::VmSpec& spec)
{
    std::vector<HostLink> links;
    const auto& vm = spec.general.name;
    for (size_t i = 0; i < spec.network.size(); ++i) {
        const auto& nic = spec.network[i];
        const auto index = static_cast<unsigned>(i);
        if (nic.type == config::NetType::Bridge || nic.type == config::NetType::Nat)
            links.push_back({LinkKind::Tap, index, qemu::tap_name(vm, index), nic.bridge, {}, {}});
        else if (nic.type == config::NetType::Macvtap)
            links.push_back({LinkKind::Macvtap, index, qemu::macvtap_name(vm, index), {}, nic.parent,
                             nic.mac.empty() ? qemu::derived_mac(vm, index) : nic.mac});
    }
    return links;
}

}  // namespace ezkvm::net
