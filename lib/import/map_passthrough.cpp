// hostpciN: PCI devices passed through. A device Proxmox shows the guest as
// its primary display (x-vga=1, and no `vga` of its own) becomes the gpu;
// the others host.pci.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "import/context.hpp"
#include "import/text.hpp"

namespace ezkvm::import {
namespace {

bool hex_digits(std::string_view s, size_t n)
{
    return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// "01:00.0" / "0000:01:00.0" -> "0000:01:00.0"; "01:00" -> "0000:01:00" (all functions); "" when malformed.
std::string normalise_host(std::string id)
{
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::count(id.begin(), id.end(), ':') == 1)
        id = "0000:" + id;
    const bool with_function = id.size() == 12 && id[10] == '.' && id[11] >= '0' && id[11] <= '7';
    const std::string device = with_function ? id.substr(0, 10) : id;
    if (device.size() != 10 || !hex_digits(device.substr(0, 4), 4) || device[4] != ':' ||
        !hex_digits(device.substr(5, 2), 2) || device[7] != ':' || !hex_digits(device.substr(8, 2), 2))
        return {};
    return with_function ? id : device;
}

// The functions of a device ("0000:01:00") this host has, from sysfs.
std::vector<std::string> host_functions(const Context& ctx, const std::string& device)
{
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(ctx.sysfs_pci, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() == 12 && name.starts_with(device + "."))
            found.push_back(name);
    }
    std::sort(found.begin(), found.end());
    return found;
}

struct Device {
    const QmEntry* entry;
    unsigned index;
    std::vector<std::string> functions;
    bool x_vga;
    std::string romfile;
};

std::optional<Device> read_device(Context& ctx, const QmEntry& entry, unsigned index)
{
    auto props = ctx.props(entry, "host");
    if (!props)
        return std::nullopt;
    ctx.unknown_properties(entry, *props, {"host", "pcie", "x-vga", "rombar", "romfile", "mapping", "mdev",
                                           "legacy-igd", "device-id", "vendor-id", "sub-device-id",
                                           "sub-vendor-id"});
    if (const auto* mapping = props->get("mapping")) {
        ctx.msgs.warning(entry.line, fmt::format("{}: the cluster mapping '{}' is not imported (it lives in "
                                                 "/etc/pve/mapping/pci.cfg): add the device to host.pci by its "
                                                 "address",
                                                 entry.key, *mapping));
        return std::nullopt;
    }
    if (props->has("mdev")) {
        ctx.msgs.warning(entry.line, fmt::format("{}: mediated devices (mdev) are not imported", entry.key));
        return std::nullopt;
    }
    for (const char* id : {"device-id", "vendor-id", "sub-device-id", "sub-vendor-id", "legacy-igd"})
        if (props->has(id))
            ctx.msgs.warning(entry.line, fmt::format("{}: {} is left out: ezkvm passes the device as it is", entry.key,
                                                     id));
    Device dev{&entry, index, {}, props->flag("x-vga"), {}};
    const std::string hosts = props->get("host") ? *props->get("host") : "";
    for (const auto part : split(hosts, ';')) {
        const std::string id = normalise_host(std::string(part));
        if (id.empty()) {
            ctx.msgs.error(entry.line, fmt::format("{}: '{}' is not a PCI address", entry.key, hosts));
            return std::nullopt;
        }
        if (id.size() == 12) {
            dev.functions.push_back(id);
            continue;
        }
        auto functions = host_functions(ctx, id);
        if (functions.empty()) {
            ctx.msgs.warning(entry.line, fmt::format("{}: {} stands for every function of the device, and this host "
                                                     "has none of them: only {}.0 is imported, add the others",
                                                     entry.key, id, id));
            functions.push_back(id + ".0");
        }
        dev.functions.insert(dev.functions.end(), functions.begin(), functions.end());
    }
    if (dev.functions.empty() || dev.functions.size() > 8) {
        ctx.msgs.error(entry.line, fmt::format("{}: expected 1 to 8 PCI functions", entry.key));
        return std::nullopt;
    }
    const bool pcie = props->flag("pcie");
    if (pcie && !ctx.q35)
        ctx.msgs.warning(entry.line, fmt::format("{}: pcie=1 needs q35 (Proxmox refuses to start it): imported on "
                                                 "the PCI bus",
                                                 entry.key));
    if (!pcie && ctx.q35)
        warn_gap(ctx.msgs, entry.line, Gap::PciOnQ35, entry.key + " without pcie=1");
    if (props->has("rombar") && !props->flag("rombar", true))
        warn_gap(ctx.msgs, entry.line, Gap::Rombar, entry.key + " rombar=0");
    if (const auto* rom = props->get("romfile")) {
        if (rom->empty() || rom->find('/') != std::string::npos || *rom == "." || *rom == "..")
            ctx.msgs.error(entry.line, fmt::format("{}: romfile '{}' is not a file name", entry.key, *rom));
        else
            dev.romfile = "/usr/share/kvm/" + *rom;  // where Proxmox looks for it
    }
    return dev;
}

OutNode function_item(const Context& ctx, const Device& dev, size_t j)
{
    auto item = OutNode::flow_map();
    if (dev.functions.size() > 1)
        item.set("vm_id", OutNode::text(fmt::format("{:x}.{}", dev.index, j)));
    item.set("host_id", OutNode::text(dev.functions[j]));
    // Proxmox drops x-vga=on under OVMF (PVE/QemuServer/PCI.pm, print_hostpci_devices).
    if (j == 0 && dev.x_vga && !ctx.ovmf)
        item.set("x_vga", OutNode::yes_no(true));
    if (j == 0 && !dev.romfile.empty())
        item.set("romfile", OutNode::text(dev.romfile));
    if (j == 0)
        item.comment = Context::source(*dev.entry);
    return item;
}

}  // namespace

void map_passthrough(Context& ctx)
{
    const QmEntry* bios = ctx.conf.find("bios");
    ctx.ovmf = bios && bios->value == "ovmf";
    // An adapter of its own (vga other than none) stays the display; the GPU is then just a PCI device.
    const QmEntry* vga = ctx.conf.find("vga");
    const bool vga_given = vga && !vga->value.starts_with("none");
    std::vector<Device> devices;
    for (const QmEntry* e : ctx.conf.numbered("hostpci")) {
        ctx.handled.insert(e->key);
        if (auto dev = read_device(ctx, *e, static_cast<unsigned>(std::stoul(e->key.substr(7)))))
            devices.push_back(std::move(*dev));
    }
    for (const auto& dev : devices) {
        if (dev.x_vga) {
            ctx.gpu_passthrough = true;
            ctx.hide_kvm = true;
            ctx.vga_none = !vga_given;
        }
    }
    if (ctx.gpu_passthrough && !vga_given)
        ctx.out.set("gpu.type", OutNode::text("passthrough"));
    for (const auto& dev : devices) {
        OutNode& list = ctx.out.at(dev.x_vga && !vga_given ? "gpu.pci" : "host.pci");
        list.kind = OutNode::Kind::Seq;
        for (size_t j = 0; j < dev.functions.size(); ++j)
            list.seq.push_back(function_item(ctx, dev, j));
    }
}

}  // namespace ezkvm::import
