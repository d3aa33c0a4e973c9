#include "net/host_network.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "net/interfaces.hpp"
#include "net/links.hpp"

namespace ezkvm::net {
namespace {

// systemd-networkd creates ezkvm0 right after it starts, which the VM unit is ordered after;
// a bridge made by the admin's own scripts may lag a little too.
constexpr auto bridge_wait = std::chrono::seconds(10);

bool wait_for_bridge(const std::string& bridge)
{
    const auto deadline = std::chrono::steady_clock::now() + bridge_wait;
    while (!link_exists(bridge)) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
}

std::string nic_path(const HostLink& link, const char* key)
{
    return fmt::format("network[{}].{}", link.nic, key);
}

bool make_tap(const HostLink& link, const config::Nic& nic, const LinkUser& user, Diagnostics& diags)
{
    if (!wait_for_bridge(link.bridge)) {
        diags.error(nic.pos, nic_path(link, "bridge"), fmt::format("bridge {} does not exist", link.bridge),
                    nic.type == config::NetType::Nat
                        ? "ezkvm0 comes from systemd-networkd (ezkvm's 50-ezkvm0.netdev): systemctl enable --now systemd-networkd"
                        : fmt::format("create it with your network configuration or ip link add {} type bridge", link.bridge));
        return false;
    }
    if (!is_bridge(link.bridge)) {
        diags.error(nic.pos, nic_path(link, "bridge"), fmt::format("{} is not a bridge", link.bridge));
        return false;
    }
    Result<void> made = create_tap(link.name, user.uid, user.gid, nic.queues > 1);
    if (made)
        made = join_bridge(link.name, link.bridge);
    if (made)
        made = set_up(link.name);
    if (!made) {
        diags.error(nic.pos, nic_path(link, "type"), fmt::format("cannot set up the VM's tap: {}", made.error().message));
        delete_link(link.name);
        return false;
    }
    return true;
}

// The macvtap's character device, which qemu opens: made when no udev made it
// (containers), given to the VM's user.
Result<void> give_device(const HostLink& link, const LinkUser& user)
{
    const auto device = macvtap_device(link.name);
    if (!device)
        return Error{fmt::format("no character device for macvtap {}", link.name), ENODEV};
    const dev_t number = makedev(device->major, device->minor);
    struct stat st {};
    if (::lstat(device->path.c_str(), &st) == 0 && (!S_ISCHR(st.st_mode) || st.st_rdev != number))
        ::unlink(device->path.c_str());  // a stale node of an earlier interface with that index
    if (::mknod(device->path.c_str(), S_IFCHR | 0600, number) < 0 && errno != EEXIST)
        return errno_error("mknod " + device->path, errno);
    if (::chown(device->path.c_str(), user.uid, user.gid) < 0 || ::chmod(device->path.c_str(), 0600) < 0)
        return errno_error("chown " + device->path, errno);
    return {};
}

bool make_macvtap(const HostLink& link, const config::Nic& nic, const LinkUser& user, Diagnostics& diags)
{
    Result<void> made = create_macvtap(link.name, link.parent, link.mac);
    if (made)
        made = set_up(link.name);
    if (made)
        made = give_device(link, user);
    if (!made) {
        diags.error(nic.pos, nic_path(link, "parent"),
                    fmt::format("cannot set up the VM's macvtap: {}", made.error().message));
        delete_link(link.name);
        return false;
    }
    return true;
}

}  // namespace

std::vector<std::string> setup_host_network(const config::VmSpec& spec, const LinkUser& user, Diagnostics& diags)
{
    remove_host_network(spec.general.name, diags);
    std::vector<std::string> created;
    for (const auto& link : host_links(spec)) {
        const auto& nic = spec.network[link.nic];
        const bool made = link.kind == LinkKind::Tap ? make_tap(link, nic, user, diags)
                                                     : make_macvtap(link, nic, user, diags);
        if (made)
            created.push_back(link.name);
    }
    return created;
}

std::vector<std::string> remove_host_network(std::string_view vm, Diagnostics& diags)
{
    std::vector<std::string> removed;
    for (const auto& name : link_names()) {
        if (!is_vm_link(name, vm))
            continue;
        if (auto deleted = delete_link(name); !deleted)
            diags.error({}, {}, fmt::format("cannot remove the VM's interface: {}", deleted.error().message));
        else
            removed.push_back(name);
    }
    return removed;
}

}  // namespace ezkvm::net
