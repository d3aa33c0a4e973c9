// network: the VM's NICs.
#include <fmt/format.h>

#include <map>
#include <set>

#include "config/parse_internal.hpp"
#include "base/quantities.hpp"

namespace ezkvm::config::detail {
namespace {

std::vector<std::string> split(const std::string& text, char sep)
{
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t end; (end = text.find(sep, start)) != std::string::npos; start = end + 1)
        parts.push_back(text.substr(start, end - start));
    parts.push_back(text.substr(start));
    return parts;
}

std::optional<unsigned> port_number(const std::string& text)
{
    auto n = parse_uint(text);
    if (!n || *n < 1 || *n > 65535)
        return std::nullopt;
    return static_cast<unsigned>(*n);
}

// "tcp:[host_addr:]host_port:guest_port"
std::optional<PortForward> parse_forward(const std::string& text)
{
    const auto parts = split(text, ':');
    if (parts.size() != 3 && parts.size() != 4)
        return std::nullopt;
    PortForward f;
    f.proto = parts[0];
    if (f.proto != "tcp" && f.proto != "udp")
        return std::nullopt;
    if (parts.size() == 4) {
        if (!valid_ipv4(parts[1]))
            return std::nullopt;
        f.host_addr = parts[1];
    }
    auto host_port = port_number(parts[parts.size() - 2]);
    auto guest_port = port_number(parts.back());
    if (!host_port || !guest_port)
        return std::nullopt;
    f.host_port = *host_port;
    f.guest_port = *guest_port;
    return f;
}

void parse_forwards(const MapReader& r, Nic& nic, std::set<std::pair<std::string, unsigned>>& host_ports)
{
    const auto items = r.list("forward");
    for (size_t i = 0; i < items.size(); ++i) {
        const std::string path = item_path(r, "forward", i);
        auto text = scalar_text(*items[i], path, r.diags());
        if (!text)
            continue;
        auto f = parse_forward(*text);
        if (!f) {
            r.diags().error(items[i]->pos, path, fmt::format("expected proto:[host_addr:]host_port:guest_port, got '{}'", *text),
                            "such as tcp:2222:22 or tcp:127.0.0.1:8080:80; proto is tcp or udp");
            continue;
        }
        if (!host_ports.emplace(f->proto, f->host_port).second)
            r.diags().error(items[i]->pos, path, fmt::format("host port {}/{} is forwarded twice", f->host_port, f->proto));
        nic.forwards.push_back(std::move(*f));
    }
}

struct NetworkChecks {
    std::map<std::string, std::string> macs;  // -> path of the NIC that has it
    std::set<std::pair<std::string, unsigned>> host_ports;
    std::map<unsigned, std::string> boot_indexes;  // -> what has it: a drive's position or a NIC's path
};

constexpr uint64_t max_nic_queues = 64;

// boot_index and the virtio-net ring sizes.
void parse_nic_device(const MapReader& r, Nic& nic, const std::string& driver, NetworkChecks& checks)
{
    if (auto index = r.number("boot_index", 0, 99)) {
        auto [at, added] = checks.boot_indexes.emplace(static_cast<unsigned>(*index), r.path());
        if (added)
            nic.boot_index = static_cast<unsigned>(*index);
        else
            r.error("boot_index", fmt::format("boot_index {} is already used by {}", *index, at->second));
    }
    for (const char* key : {"rx_queue_size", "tx_queue_size"}) {
        auto size = r.number(key, 256, 1024);
        if (!size)
            continue;
        if (driver != "virtio-net-pci")
            r.error(key, fmt::format("{} is virtio-net's; this NIC is {}", key, driver), "remove it or use driver: virtio");
        else if ((*size & (*size - 1)) != 0)
            r.error(key, fmt::format("{} is not a power of two", *size), "use 256, 512 or 1024");
        else
            (std::string_view(key) == "rx_queue_size" ? nic.rx_queue_size : nic.tx_queue_size) = static_cast<unsigned>(*size);
    }
}

Nic parse_nic(const MapReader& r, const DeviceDefaults& devices, NetworkChecks& checks)
{
    Nic nic;
    nic.pos = r.pos();
    const auto type = r.choice<NetType>("type", {{"user", NetType::User},
                                                 {"nat", NetType::Nat},
                                                 {"bridge", NetType::Bridge},
                                                 {"tap", NetType::Tap},
                                                 {"passt", NetType::Passt},
                                                 {"macvtap", NetType::Macvtap}});
    assign(nic.type, type);
    const bool type_known = type || !r.get("type");  // a bad type is reported once, not per key
    const char* interface_name = "an interface name (up to 15 letters, digits, '.', '_', '-')";

    auto bridge = checked(r, "bridge", valid_interface_name, interface_name);
    if (nic.type == NetType::Bridge)
        nic.bridge = bridge.value_or("vmbr0");
    else if (nic.type == NetType::Nat)
        nic.bridge = bridge.value_or("ezkvm0");
    else if (r.get("bridge") && type_known)
        r.error("bridge", "bridge is only used with type bridge or nat");

    Choices<std::string> drivers{{"virtio", "virtio-net-pci"}};
    for (const char* d : {"virtio-net-pci", "e1000", "e1000e", "rtl8139", "vmxnet3"})
        drivers.emplace_back(d, d);
    assign(nic.driver, r.choice("driver", drivers));

    if (auto mac = normalised(r, "mac", normalise_mac, "a MAC address such as bc:24:11:3a:21:b7")) {
        if (mac_is_zero(*mac)) {
            r.error("mac", "00:00:00:00:00:00 is not a usable MAC address");
        } else if (mac_is_multicast(*mac)) {
            r.error("mac", fmt::format("{} is a multicast address", *mac),
                    "the lowest bit of the first byte must be 0, such as bc:24:11:...");
        } else {
            auto [at, added] = checks.macs.emplace(*mac, r.path_of("mac"));
            if (!added)
                r.error("mac", fmt::format("{} is already used by {}", *mac, at->second));
            nic.mac = *mac;
        }
    }

    if (r.get("forward") && nic.type != NetType::User && nic.type != NetType::Passt && type_known)
        r.error("forward", "forward is only used with type user or passt");
    else
        parse_forwards(r, nic, checks.host_ports);

    assign(nic.ifname, checked(r, "ifname", valid_interface_name, interface_name));
    if (nic.type == NetType::Tap && !r.get("ifname"))
        r.error("ifname", "a tap NIC needs ifname: the name of an existing tap device");
    else if (nic.type != NetType::Tap && r.get("ifname") && type_known)
        r.error("ifname", "ifname is only used with type tap");

    assign(nic.parent, checked(r, "parent", valid_interface_name, interface_name));
    if (nic.type == NetType::Macvtap && !r.get("parent"))
        r.error("parent", "a macvtap NIC needs parent: the host network interface to attach to");
    else if (nic.type != NetType::Macvtap && r.get("parent") && type_known)
        r.error("parent", "parent is only used with type macvtap");
    parse_nic_device(r, nic, nic.driver.empty() ? devices.nic : nic.driver, checks);

    // vhost-net and queue pairs are features of the kernel's tap and macvtap devices.
    const bool tap_like = nic.type == NetType::Nat || nic.type == NetType::Bridge || nic.type == NetType::Tap ||
                          nic.type == NetType::Macvtap;
    if (auto vhost = r.boolean("vhost"); vhost && tap_like)
        nic.vhost = vhost;
    if (auto queues = r.number("queues", 1, max_nic_queues); queues && tap_like)
        nic.queues = static_cast<unsigned>(*queues);
    for (const char* key : {"vhost", "queues"})
        if (r.get(key) && !tap_like && type_known)
            r.error(key, fmt::format("{} is only used with type nat, bridge, tap or macvtap", key));
    return nic;
}

}  // namespace

std::vector<Nic> parse_network(const MapReader& root, const DeviceDefaults& devices,
                               const std::vector<StorageGroup>& storage)
{
    std::vector<Nic> nics;
    NetworkChecks checks;
    for (const auto& group : storage)
        for (const auto& drive : group.drives)
            if (drive.boot_index)
                checks.boot_indexes.emplace(*drive.boot_index, "the drive at " + drive.pos.str());
    const auto items = root.list("network");
    for (size_t i = 0; i < items.size(); ++i) {
        const MapReader r = item_reader(items[i], item_path(root, "network", i), root.diags());
        if (r.present())
            nics.push_back(parse_nic(r, devices, checks));
    }
    return nics;
}

}  // namespace ezkvm::config::detail
