#include "import/importer.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/parse.hpp"
#include "import/context.hpp"
#include "import/templates.hpp"
#include "import/text.hpp"
#include "import/yaml_writer.hpp"

namespace ezkvm::import {
namespace {

constexpr const char* storage_cfg_path = "/etc/pve/storage.cfg";

std::optional<std::string> read_file(const std::string& path, std::string& error)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
        return std::nullopt;
    }
    std::string text(max_qm_config_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    return text;
}

std::optional<Volumes> read_storages(const Request& request, const config::Environment& env, Messages& msgs)
{
    const std::string real = env.real(storage_cfg_path);
    std::error_code ec;
    if (!std::filesystem::exists(real, ec))
        return Volumes({}, request.storages, "");
    std::string error;
    auto text = read_file(real, error);
    if (!text) {
        msgs.error(0, error);
        return std::nullopt;
    }
    Messages cfg_msgs;
    auto storages = parse_storage_cfg(*text, cfg_msgs);
    msgs.append_from(storage_cfg_path, cfg_msgs);
    if (!storages)
        return std::nullopt;
    return Volumes(std::move(*storages), request.storages, storage_cfg_path);
}

// The top-level sections (and system's keys) in the order ezkvm.yaml(5) shows them.
OutNode skeleton()
{
    OutNode out;
    for (const char* key : {"general.name", "general.description", "general.accel", "general.agent",
                            "general.autostart", "system.chipset", "system.bios", "system.cpu", "system.memory",
                            "system.tpm", "system.rtc", "system.hyperv", "spice", "gpu.type", "display", "audio",
                            "usb", "host", "storage", "network", "serial", "extra_args"})
        out.at(key);
    return out;
}

std::string choose_name(const Request& request, const QmConfig& conf, const std::string& vmid)
{
    if (!request.name.empty())
        return request.name;
    if (const QmEntry* name = conf.find("name"))
        return name->value;
    return vmid.empty() ? std::filesystem::path(request.config_path).stem().string() : "vm" + vmid;
}

}  // namespace

Result import_proxmox(const Request& request, const config::Environment& env)
{
    Result result;
    Messages& msgs = result.messages;
    std::string error;
    auto text = read_file(request.config_path, error);
    if (!text) {
        msgs.error(0, error);
        return result;
    }
    auto conf = parse_qm_config(*text, msgs);
    auto volumes = read_storages(request, env, msgs);
    if (!conf || !volumes)
        return result;
    std::string vmid = std::filesystem::path(request.config_path).stem().string();
    if (!all_digits(vmid))
        vmid.clear();
    result.name = choose_name(request, *conf, vmid);
    if (!config::valid_vm_name(result.name)) {
        msgs.error(conf->find("name") && request.name.empty() ? conf->find("name")->line : 0,
                   fmt::format("'{}' is not a valid ezkvm VM name (letters, digits, '-', '_', '.'; at most 64): "
                               "give one with --name",
                               result.name));
        result.name = "invalid";  // mapped on all the same, so every other problem is reported too
    }

    OutNode out = skeleton();
    Context ctx(*conf, *volumes, msgs, out, vmid, env.real("/sys/bus/pci/devices"));
    map_machine(ctx);
    map_boot_order(ctx);
    map_passthrough(ctx);
    map_cpu(ctx);
    map_memory(ctx);
    map_firmware(ctx);
    map_disks(ctx);
    map_nics(ctx);
    map_display(ctx);
    map_usb(ctx);
    map_misc(ctx, result.name);
    map_leftovers(ctx);
    warn_gap(msgs, 0, Gap::PciLayout, "every PCI device");
    if (msgs.has_errors())
        return result;

    out.prune_empty();
    const std::string tmpl = template_for_ostype(ctx.ostype);
    if (auto values = template_values(tmpl, env))
        apply_template(out, tmpl, *values);
    else
        msgs.warning(0, fmt::format("template '{}' does not load here: the file names no template", tmpl));
    out.prune_empty();

    const std::string base = std::filesystem::path(request.config_path).filename().string();
    std::vector<std::string> header = {
        fmt::format("Imported by `ezkvm import proxmox` from {}{}.", base,
                    vmid.empty() ? "" : fmt::format(" (Proxmox VM {})", vmid)),
        "What this file cannot express was printed as warnings naming the line of the Proxmox config.",
    };
    std::string yaml = to_yaml(out, header);

    Diagnostics check;
    load_back(yaml, result.name, env, check);
    for (const auto& d : check.items())
        if (d.severity == Severity::Error)
            msgs.error(0, fmt::format("internal error, the written file does not load: {}", d.str()));
    if (!msgs.has_errors())
        result.yaml = std::move(yaml);
    return result;
}

}  // namespace ezkvm::import
