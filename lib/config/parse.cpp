#include "config/parse.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "config/parse_internal.hpp"

namespace ezkvm::config {
namespace detail {

General parse_general(const MapReader& root, const std::string& vm_name)
{
    const MapReader r = root.map("general");
    General g;
    g.name = vm_name;
    if (auto name = r.str("name")) {
        if (!valid_vm_name(*name))
            r.error("name", fmt::format("'{}' is not a valid VM name", *name),
                    "use letters, digits, '-', '_' and '.', starting with a letter or digit, at most 64 characters");
        else if (*name != vm_name)
            r.error("name", fmt::format("'{}' does not match the file name '{}.yaml'", *name, vm_name),
                    fmt::format("rename the file to {}.yaml or remove general.name", *name));
    }
    assign(g.description, r.str("description"));
    assign(g.template_name, checked(r, "template", valid_template_name,
                                    "a template name (lower-case letters, digits, '.', '_', '-')"));
    assign(g.agent, r.boolean("agent"));
    assign(g.monitor, r.boolean("monitor"));
    assign(g.autostart, r.boolean("autostart"));
    assign(g.user, checked(r, "user", valid_user_name, "a user name such as ezkvm or root"));
    assign(g.accel, r.choice<Accel>("accel", {{"auto", Accel::Auto}, {"kvm", Accel::Kvm}, {"tcg", Accel::Tcg}}));
    if (auto seconds = r.duration("stop_timeout")) {
        if (*seconds < 1 || *seconds > 3600)
            r.error("stop_timeout", fmt::format("{} seconds is out of range (expected 1 to 3600)", *seconds));
        else
            g.stop_timeout = static_cast<unsigned>(*seconds);
    }
    return g;
}

}  // namespace detail

namespace {

// Diagnostics in the order their positions appear (files in the order they
// were first reported), so a file's errors read top to bottom.
void append_in_file_order(const Diagnostics& from, Diagnostics& to)
{
    std::vector<const std::string*> files;
    auto file_rank = [&](const Pos& p) {
        const std::string* f = p.file.get();
        auto at = std::find_if(files.begin(), files.end(),
                               [&](const std::string* known) { return known == f || (known && f && *known == *f); });
        if (at == files.end()) {
            files.push_back(f);
            return files.size() - 1;
        }
        return static_cast<size_t>(at - files.begin());
    };
    std::vector<std::pair<size_t, const Diagnostic*>> ranked;
    for (const auto& d : from.items())
        ranked.emplace_back(file_rank(d.pos), &d);
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        const Pos& pa = a.second->pos;
        const Pos& pb = b.second->pos;
        return std::tie(a.first, pa.line, pa.column) < std::tie(b.first, pb.line, pb.column);
    });
    for (const auto& [rank, d] : ranked)
        to.add(*d);
}

}  // namespace

VmSpec parse_spec(const Node& root, const std::string& vm_name, Diagnostics& diags)
{
    using namespace detail;
    Diagnostics found;
    const MapReader r(&root, "", found);
    VmSpec spec;
    PciSeen pci_seen;
    spec.general = parse_general(r, vm_name);
    spec.system = parse_system(r);
    spec.devices = parse_devices(r);
    spec.gpu = parse_gpu(r, pci_seen);
    spec.display = parse_display(r);

    spec.spice = parse_spice(r);
    const auto type = spec.display.type;
    if (type == DisplayType::RemoteViewer || type == DisplayType::Spice || type == DisplayType::LookingGlass)
        spec.spice.enabled = true;
    spec.vnc = parse_vnc(r);
    if (type == DisplayType::Vnc)
        spec.vnc.enabled = true;
    if (root.is_map()) {
        spec.spice.enabled = spec.spice.enabled || root.find("spice");
        spec.vnc.enabled = spec.vnc.enabled || root.find("vnc");
    }

    spec.audio = parse_audio(r, spec.spice.enabled);
    spec.usb = parse_usb(r);
    spec.input = parse_input(r);
    spec.host = parse_host(r, spec.usb, pci_seen);
    spec.storage = parse_storage(r, spec.devices, spec.system.chipset.type);
    spec.network = parse_network(r, spec.devices, spec.storage);
    assign(spec.serial, r.boolean("serial"));
    // `extras` is the original tool's name for extra_args.
    const char* extra_key = r.get("extras") ? "extras" : "extra_args";
    if (r.get("extras") && r.get("extra_args"))
        r.error("extras", "extras and extra_args are the same list", "keep one of them");
    if (auto args = r.str_list(extra_key, 0)) {
        spec.extra_args = *args;
        if (!args->empty())
            r.warning(extra_key, fmt::format("{} are passed to qemu unchecked", extra_key),
                      "prefer a config key; tell us what is missing");
    }
    append_in_file_order(found, diags);
    return spec;
}

}  // namespace ezkvm::config
