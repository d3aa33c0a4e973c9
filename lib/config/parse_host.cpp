// Host devices given to the guest: PCI functions (gpu.pci, host.pci) and USB devices (host.usb).
#include <fmt/format.h>

#include <map>

#include "config/parse_internal.hpp"

namespace ezkvm::config::detail {
namespace {

std::optional<PciFunction> parse_pci_function(const MapReader& r, PciSeen& seen)
{
    PciFunction f;
    f.pos = r.pos();
    auto host_id = normalised(r, "host_id", normalise_pci_address, "a PCI address such as 0000:03:00.0");
    if (!host_id && !r.get("host_id"))
        r.error("host_id", "host_id is required: the host PCI address to pass through",
                "find it with lspci -D, such as 0000:03:00.0");
    if (host_id) {
        auto [at, added] = seen.host_ids.emplace(*host_id, r.path_of("host_id"));
        if (!added)
            r.error("host_id", fmt::format("{} is already passed through by {}", *host_id, at->second));
        f.host_id = *host_id;
    }
    if (auto text = r.str("vm_id")) {
        if (auto id = parse_vm_pci_id(*text)) {
            auto [at, added] = seen.vm_ids.emplace(*id, r.path_of("vm_id"));
            if (!added)
                r.error("vm_id", fmt::format("guest slot.function {} is already used by {}", *text, at->second));
            f.vm_slot = id->first;
            f.vm_function = id->second;
            f.vm_id_given = true;
        } else {
            r.error("vm_id", fmt::format("expected a guest slot.function such as 0.0 or 1f.1, got '{}'", *text),
                    "slot is hex 0 to 1f, function 0 to 7");
        }
    }
    assign(f.multi_function, r.boolean("multi_function"));
    assign(f.x_vga, r.boolean("x_vga"));
    assign(f.force, r.boolean("force"));
    assign(f.romfile, r.absolute_path("romfile"));
    if (!host_id)
        return std::nullopt;
    return f;
}

std::optional<UsbHostDevice> parse_usb_device(const MapReader& r, std::map<std::string, std::string>& vm_ports)
{
    UsbHostDevice d;
    d.pos = r.pos();
    if (auto port = checked(r, "vm_port", valid_usb_port, "a USB port such as 1 or 1.2")) {
        auto [at, added] = vm_ports.emplace(*port, r.path_of("vm_port"));
        if (!added)
            r.error("vm_port", fmt::format("guest USB port {} is already used by {}", *port, at->second));
        d.vm_port = *port;
    }
    if (auto bus = r.number("host_bus", 1, 255))
        d.host_bus = fmt::format("{}", *bus);
    assign(d.host_port, checked(r, "host_port", valid_usb_port, "a USB port path such as 2 or 2.2"));
    if (auto id = normalised(r, "id", normalise_usb_id, "vendor:product, 4 hex digits each, such as 046d:c52b")) {
        d.vendor_id = id->substr(0, 4);
        d.product_id = id->substr(5);
    }

    // vendor_id + product_id: the original tool's spelling of id.
    const bool by_ids = r.get("vendor_id") || r.get("product_id");
    if (by_ids) {
        auto vendor = checked(r, "vendor_id", valid_usb_id_half, "4 hex digits such as 046d");
        auto product = checked(r, "product_id", valid_usb_id_half, "4 hex digits such as c52b");
        if (!r.get("vendor_id") || !r.get("product_id"))
            r.error(r.get("vendor_id") ? "vendor_id" : "product_id", "vendor_id and product_id go together");
        else if (r.get("id"))
            r.error("vendor_id", "give either id or vendor_id + product_id, not both");
        else if (vendor && product)
            if (auto id = normalise_usb_id(*vendor + ":" + *product)) {
                d.vendor_id = id->substr(0, 4);
                d.product_id = id->substr(5);
            }
    }
    const bool by_port = r.get("host_bus") || r.get("host_port");
    const bool by_id = r.get("id") != nullptr || by_ids;
    if (by_port && by_id) {
        r.error(r.get("id") ? "id" : "vendor_id", "give either host_bus + host_port or id, not both");
        return std::nullopt;
    }
    if (!by_port && !by_id) {
        r.diags().error(r.pos(), r.path(), "a host USB device needs host_bus + host_port or id",
                "such as { host_bus: 1, host_port: 2.2 } or { id: \"046d:c52b\" }");
        return std::nullopt;
    }
    if (by_port) {
        if (!r.get("host_bus"))
            r.error("host_bus", "host_port needs host_bus too");
        if (!r.get("host_port"))
            r.error("host_port", "host_bus needs host_port too");
        if (d.host_bus.empty() || d.host_port.empty())
            return std::nullopt;
    } else if (d.vendor_id.empty()) {
        return std::nullopt;
    }
    return d;
}

}  // namespace

std::vector<PciFunction> parse_pci_functions(const MapReader& parent, const std::string& key, PciSeen& seen)
{
    std::vector<PciFunction> out;
    const auto items = parent.list(key);
    for (size_t i = 0; i < items.size(); ++i) {
        const MapReader r = item_reader(items[i], item_path(parent, key, i), parent.diags());
        if (!r.present())
            continue;
        if (auto f = parse_pci_function(r, seen))
            out.push_back(std::move(*f));
    }
    return out;
}

Host parse_host(const MapReader& root, const Usb& usb, PciSeen& seen)
{
    const MapReader r = root.map("host");
    Host host;
    std::map<std::string, std::string> vm_ports;
    const auto items = r.list("usb");
    for (size_t i = 0; i < items.size(); ++i) {
        const MapReader item = item_reader(items[i], item_path(r, "usb", i), r.diags());
        if (!item.present())
            continue;
        if (auto d = parse_usb_device(item, vm_ports))
            host.usb.push_back(std::move(*d));
    }
    if (!items.empty() && usb.controller == UsbController::None)
        r.error("usb", "host USB devices need a USB controller", "set usb.controller: xhci");
    host.pci = parse_pci_functions(r, "pci", seen);
    return host;
}

}  // namespace ezkvm::config::detail
