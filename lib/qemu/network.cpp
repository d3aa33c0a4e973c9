#include <fmt/format.h>

#include "qemu/identity.hpp"
#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

Opts tap(const std::string& id, const std::string& ifname)
{
    // The interface exists before qemu starts (made by ezkvm's network helper or the
    // admin); qemu must not run scripts, which the sandbox forbids anyway.
    return std::move(Opts("tap").set("id", id).set("ifname", ifname).set("script", "no").set("downscript", "no"));
}

// A tap qemu gets as an open fd, the next after those of the NICs before it.
Opts handed_tap(const CommandContext& ctx, const std::string& id)
{
    const auto fd = first_handed_fd + static_cast<int>(ctx.macvtaps.size() + ctx.bridge_taps.size()) - 1;
    return std::move(Opts("tap").set("id", id).set("fd", std::to_string(fd)));
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
            ctx.bridge_taps.push_back({index, nic.bridge});
            return handed_tap(ctx, id);
        }
        return tap(id, tap_name(ctx.spec.general.name, index));
    case config::NetType::Tap: return tap(id, nic.ifname);
    case config::NetType::Passt:
        // passt runs as its own unit and listens on this socket; its port forwards are its options.
        return std::move(Opts("stream")
                             .set("id", id)
                             .on("server", false)
                             .set("addr.type", "unix")
                             .set("addr.path", fmt::format("{}/passt-{}.sock", ctx.input.paths.runtime_dir, index)));
    case config::NetType::Macvtap: {
        // ezkvm's network helper makes the macvtap; qemu gets its device as an open fd.
        ctx.macvtaps.push_back(macvtap_name(ctx.spec.general.name, index));
        return handed_tap(ctx, id);
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
        ctx.args.add("-netdev", *backend);
        Opts device(nic.driver.empty() ? ctx.spec.devices.nic : nic.driver);
        device.set("netdev", fmt::format("net{}", index))
            .set("mac", nic.mac.empty() ? derived_mac(ctx.spec.general.name, index) : nic.mac);
        if (nic.boot_index)
            device.set("bootindex", *nic.boot_index);
        if (nic.rx_queue_size != 0)
            device.set("rx_queue_size", nic.rx_queue_size);
        if (nic.tx_queue_size != 0)
            device.set("tx_queue_size", nic.tx_queue_size);
        ctx.add_pci_device(device, ctx.pci.slot_for(PciKind::Nic, index));
    }
}

}  // namespace ezkvm::qemu
