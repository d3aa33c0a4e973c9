#include <fmt/format.h>
#include <fmt/ranges.h>

#include "qemu/identity.hpp"
#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

constexpr const char* vhost_net_device = "/dev/vhost-net";

Opts tap(const std::string& id, const std::string& ifname, unsigned queues)
{
    // The interface exists before qemu starts (made by ezkvm's network helper or the
    // admin); qemu must not run scripts, which the sandbox forbids anyway.
    Opts opts("tap");
    opts.set("id", id).set("ifname", ifname).set("script", "no").set("downscript", "no");
    if (queues > 1)
        opts.set("queues", queues);
    return opts;
}

bool tap_like(config::NetType type)
{
    return type == config::NetType::Nat || type == config::NetType::Bridge || type == config::NetType::Tap ||
           type == config::NetType::Macvtap;
}

// vhost-net moves the virtqueues' packet work from qemu's main loop into the kernel.
// By default only where KVM runs the VM: under TCG qemu cannot hand vhost its
// queue notifications and falls back to its own virtio with an error line.
bool uses_vhost(const CommandContext& ctx, const config::Nic& nic)
{
    return tap_like(nic.type) && nic.vhost.value_or(ctx.input.vhost_net && accelerators(ctx).front() == "kvm");
}

// How many tap fds qemu gets handed so far (macvtap queues and a user VM's bridge taps).
size_t handed_count(const CommandContext& ctx)
{
    return ctx.macvtaps.size() + ctx.bridge_taps.size();
}

// A tap qemu gets as `count` open fds, numbered first_handed_fd + `first` on.
Opts handed_tap(const std::string& id, size_t first, unsigned count)
{
    std::vector<std::string> fds;
    for (unsigned q = 0; q < count; ++q)
        fds.push_back(std::to_string(first_handed_fd + static_cast<int>(first + q)));
    Opts opts("tap");
    opts.set("id", id);
    if (fds.size() == 1)
        opts.set("fd", fds[0]);
    else
        opts.set("fds", fmt::format("{}", fmt::join(fds, ":")));
    return opts;
}

// The -netdev for NIC `index`; nullopt when the type cannot be set up.
std::optional<Opts> netdev(CommandContext& ctx, const config::Nic& nic, unsigned index)
{
    const std::string id = fmt::format("net{}", index);
    switch (nic.type) {
    case config::NetType::User: {
        Opts opts("user");
        opts.set("id", id);
        for (const auto& fwd : nic.forwards)
            opts.set("hostfwd", fmt::format("{}:{}:{}-:{}", fwd.proto, fwd.host_addr, fwd.host_port, fwd.guest_port));
        return opts;
    }
    case config::NetType::Bridge:
    case config::NetType::Nat:
        if (ctx.input.scope == Scope::User) {
            // Root's bridge tap service hands over one tap fd, a single queue.
            if (nic.queues > 1)
                ctx.diags.error(nic.pos, fmt::format("network[{}].queues", index),
                                "a user VM's bridge or nat NIC has one queue pair: root's tap service hands one fd",
                                "remove queues, or run it as a system VM");
            const size_t first = handed_count(ctx);
            ctx.bridge_taps.push_back({index, nic.bridge});
            return handed_tap(id, first, 1);
        }
        return tap(id, tap_name(ctx.spec.general.name, index), nic.queues);
    case config::NetType::Tap: return tap(id, nic.ifname, nic.queues);
    case config::NetType::Passt:
        // passt runs as its own unit and listens on this socket; its port forwards are its options.
        return std::move(Opts("stream")
                             .set("id", id)
                             .on("server", false)
                             .set("addr.type", "unix")
                             .set("addr.path", fmt::format("{}/passt-{}.sock", ctx.input.paths.runtime_dir, index)));
    case config::NetType::Macvtap: {
        // ezkvm's network helper makes the macvtap; qemu gets its device as open fds,
        // one per queue pair (each open of a macvtap's /dev/tapN is one more queue).
        const size_t first = handed_count(ctx);
        for (unsigned q = 0; q < nic.queues; ++q)
            ctx.macvtaps.push_back(macvtap_name(ctx.spec.general.name, index));
        return handed_tap(id, first, nic.queues);
    }
    case config::NetType::None: break;
    }
    return std::nullopt;
}

}  // namespace

void add_network(CommandContext& ctx)
{
    const auto& nics = ctx.spec.network;
    for (size_t i = 0; i < nics.size(); ++i) {
        const auto& nic = nics[i];
        const auto index = static_cast<unsigned>(i);
        auto backend = netdev(ctx, nic, index);
        if (!backend)
            continue;
        if (uses_vhost(ctx, nic)) {
            backend->on("vhost", true);
            ctx.uses(vhost_net_device);
        }
        ctx.args.add("-netdev", *backend);
        const std::string driver = nic.driver.empty() ? ctx.spec.devices.nic : nic.driver;
        Opts device(driver);
        device.set("netdev", fmt::format("net{}", index))
            .set("mac", nic.mac.empty() ? derived_mac(ctx.spec.general.name, index) : nic.mac);
        if (nic.boot_index)
            device.set("bootindex", *nic.boot_index);
        if (nic.rx_queue_size != 0)
            device.set("rx_queue_size", nic.rx_queue_size);
        if (nic.tx_queue_size != 0)
            device.set("tx_queue_size", nic.tx_queue_size);
        if (nic.queues > 1) {
            if (driver != "virtio-net-pci")
                ctx.diags.error(nic.pos, fmt::format("network[{}].queues", index),
                                fmt::format("queues needs a virtio-net NIC, not {}", driver), "set driver: virtio");
            // One MSI-X vector per queue of each direction, plus config and control.
            device.on("mq", true).set("vectors", 2 * nic.queues + 2);
        }
        ctx.add_pci_device(device, ctx.pci.slot_for(PciKind::Nic, index));
    }
}

}  // namespace ezkvm::qemu
