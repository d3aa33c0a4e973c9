// NICs: netN = <model>=<MAC>,bridge=...,tag=...,firewall=...,queues=...
#include <fmt/format.h>

#include "import/context.hpp"

namespace ezkvm::import {
namespace {

const std::vector<std::string_view>& models()
{
    static const std::vector<std::string_view> list = {
        "e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "i82551", "i82557b",
        "i82559er", "ne2k_isa", "ne2k_pci", "pcnet", "rtl8139", "virtio", "vmxnet3"};
    return list;
}

std::string driver_of(const std::string& model)
{
    if (model == "virtio")
        return "virtio-net-pci";
    if (model == "e1000-82540em")
        return "e1000";  // qemu's e1000 is the 82540EM
    if (model == "e1000" || model == "e1000e" || model == "rtl8139" || model == "vmxnet3")
        return model;
    return {};
}

void map_nic(Context& ctx, const QmEntry& entry)
{
    auto props = ctx.props(entry, "model");
    if (!props)
        return;
    std::string model, mac;
    for (const auto& m : models())
        if (const auto* v = props->get(m)) {
            model = std::string(m);
            mac = *v;
        }
    if (model.empty() && props->get("model")) {
        model = *props->get("model");
        mac = props->get("macaddr") ? *props->get("macaddr") : "";
    }
    std::vector<std::string_view> known = {"model", "macaddr", "bridge", "tag", "trunks", "firewall", "rate",
                                           "queues", "mtu", "link_down"};
    known.insert(known.end(), models().begin(), models().end());
    ctx.unknown_properties(entry, *props, known);
    if (model.empty()) {
        ctx.msgs.error(entry.line, fmt::format("{}: no NIC model (virtio=MAC, e1000=MAC, ...)", entry.key));
        return;
    }
    std::string driver = driver_of(model);
    if (driver.empty()) {
        warn_gap(ctx.msgs, entry.line, Gap::NicModel, fmt::format("{} model {}", entry.key, model));
        driver = "e1000";
    }
    auto nic = OutNode::flow_map();
    if (const auto* bridge = props->get("bridge")) {
        nic.set("type", OutNode::text("bridge"));
        nic.set("bridge", OutNode::text(*bridge));
    } else {
        nic.set("type", OutNode::text("user"));
    }
    nic.set("driver", OutNode::text(driver));
    if (!mac.empty())
        nic.set("mac", OutNode::text(mac));
    else
        ctx.msgs.warning(entry.line, fmt::format("{}: no MAC address: ezkvm derives one from the VM name", entry.key));
    if (auto it = ctx.boot_order.find(entry.key); it != ctx.boot_order.end())
        nic.set("boot_index", OutNode::number(it->second));
    // PVE/QemuServer.pm, print_netdevice_full: larger rings for virtio from machine 7.1 on.
    if (model == "virtio" && ctx.machine.at_least(7, 1)) {
        nic.set("rx_queue_size", OutNode::number(1024));
        nic.set("tx_queue_size", OutNode::number(256));
    }
    nic.comment = Context::source(entry);
    OutNode& network = ctx.out.at("network");
    network.kind = OutNode::Kind::Seq;
    network.seq.push_back(std::move(nic));

    const std::string& key = entry.key;
    if (const auto* tag = props->get("tag"))
        warn_gap(ctx.msgs, entry.line, Gap::VlanTag, fmt::format("{} tag={}", key, *tag));
    if (const auto* trunks = props->get("trunks"))
        warn_gap(ctx.msgs, entry.line, Gap::VlanTag, fmt::format("{} trunks={}", key, *trunks));
    if (props->flag("firewall"))
        warn_gap(ctx.msgs, entry.line, Gap::Firewall, key + " firewall=1");
    if (const auto* rate = props->get("rate"))
        warn_gap(ctx.msgs, entry.line, Gap::NicRate, fmt::format("{} rate={} MB/s", key, *rate));
    if (const auto* mtu = props->get("mtu"))
        warn_gap(ctx.msgs, entry.line, Gap::NicMtu, fmt::format("{} mtu={}", key, *mtu));
    if (props->flag("link_down"))
        warn_gap(ctx.msgs, entry.line, Gap::NicLinkDown, key + " link_down=1");
    if (model != "virtio")
        return;
    if (const auto* queues = props->get("queues"); queues && *queues != "1" && *queues != "0")
        warn_gap(ctx.msgs, entry.line, Gap::NicQueues, fmt::format("{} queues={}", key, *queues));
    // PVE/QemuServer.pm, print_netdev_full.
    if (props->has("bridge"))
        warn_gap(ctx.msgs, entry.line, Gap::VhostNet, key + " (virtio on a bridge)");
}

}  // namespace

void map_nics(Context& ctx)
{
    for (const QmEntry* e : ctx.conf.numbered("net")) {
        ctx.handled.insert(e->key);
        map_nic(ctx, *e);
    }
    for (const QmEntry* e : ctx.conf.numbered("ipconfig")) {
        ctx.handled.insert(e->key);
        ctx.msgs.warning(e->line, fmt::format("{}: cloud-init network settings are not imported", e->key));
    }
}

}  // namespace ezkvm::import
