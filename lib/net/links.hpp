#pragma once
// The host interfaces a VM's NICs need ezkvm to make: a tap per bridge/nat NIC,
// a macvtap per macvtap NIC. Their names derive from the VM name alone (so the
// cleanup after a crash finds them even when the VM file is gone): "ez" + 8 hex
// digits of the name's hash + "n" (tap) or "m" (macvtap) + the NIC's index,
// at most 15 characters (IFNAMSIZ).
#include <string>
#include <string_view>
#include <vector>

#include "config/spec.hpp"

namespace ezkvm::net {

enum class LinkKind { Tap, Macvtap };

struct HostLink {
    LinkKind kind = LinkKind::Tap;
    unsigned nic = 0;    // index in the VM's network list
    std::string name;    // the interface ezkvm creates
    std::string bridge;  // tap: the bridge it joins
    std::string parent;  // macvtap: the host NIC it sits on
    std::string mac;     // macvtap: the guest NIC's MAC, which the macvtap must carry
};

// What `spec`'s NICs need on the host, in NIC order (user, passt and tap NICs need nothing).
std::vector<HostLink> host_links(const config::VmSpec& spec);

// Whether `ifname` is one of the names host_links() gives VM `vm` (for any NIC index).
bool is_vm_link(std::string_view ifname, std::string_view vm);

}  // namespace ezkvm::net
