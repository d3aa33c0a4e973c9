// General settings (agent, onboot, name, description), `args`, and every key
// no step took: Proxmox's own management settings become notes, the rest
// warnings.
#include <algorithm>

#include <fmt/format.h>

#include "import/context.hpp"
#include "import/shell_words.hpp"

namespace ezkvm::import {
namespace {

void map_description(Context& ctx)
{
    std::vector<std::string> lines = ctx.conf.description;
    int line = ctx.conf.description_line;
    if (const QmEntry* d = ctx.take("description")) {
        lines.push_back(percent_decode(d->value));
        line = line ? line : d->line;
    }
    std::string text;
    for (auto l : lines) {
        std::replace_if(l.begin(), l.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; },
                        ' ');
        while (!l.empty() && l.front() == ' ')
            l.erase(l.begin());
        if (!l.empty())
            text += (text.empty() ? "" : " ") + l;
    }
    if (text.empty())
        return;
    if (text.size() > 4000) {
        ctx.msgs.warning(line, "the description is cut to 4000 bytes");
        text.resize(4000);
        while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xc0) == 0x80)
            text.pop_back();
        if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xc0)
            text.pop_back();
    }
    ctx.out.set("general.description", OutNode::text(text),
                lines.size() > 1 ? fmt::format("the {} comment lines from line {}, joined", lines.size(), line) : "");
}

// Words of `args` that name what only Proxmox's command line has.
std::string proxmox_only_word(const std::vector<std::string>& words)
{
    static const char* marks[] = {"bus=pci.", "ich9-pcie-port", "scsihw", "virtioscsi", "ahci", "drive-",
                                  "qemu-server", "/etc/pve", "-readconfig"};
    for (const auto& w : words)
        for (const char* m : marks)
            if (w.find(m) != std::string::npos)
                return w;
    return {};
}

void map_args(Context& ctx)
{
    const QmEntry* args = ctx.take("args");
    if (!args)
        return;
    std::string error;
    auto words = split_shell_words(args->value, error);
    if (!words) {
        ctx.msgs.error(args->line, "args: " + error);
        return;
    }
    if (const std::string w = proxmox_only_word(*words); !w.empty()) {
        ctx.msgs.warning(args->line, fmt::format("args: '{}' names a bus, id or file of Proxmox's own command line, "
                                                 "which ezkvm's does not have: the arguments are left out (adapt them "
                                                 "into extra_args by hand)",
                                                 w));
        return;
    }
    auto list = OutNode::list(true);
    for (auto& w : *words)
        list.seq.push_back(OutNode::text(std::move(w)));
    ctx.out.set("extra_args", std::move(list), Context::source(*args));
    ctx.msgs.warning(args->line, "args: passed to qemu unchecked as extra_args, as Proxmox did (ezkvm check warns "
                                 "about them too): check that they still fit ezkvm's command line");
}

// Keys that only steer Proxmox itself: nothing the guest sees.
bool management_key(const std::string& key)
{
    static const char* keys[] = {"digest", "meta", "lock", "tags", "protection", "hookscript", "startup",
                                 "migrate_speed", "migrate_downtime", "cpulimit", "cpuunits", "shares",
                                 "affinity", "hotplug", "vmstatestorage", "parent", "runningmachine",
                                 "runningcpu", "vmstate", "snaptime", "allow-ksm", "keephugepages", "template"};
    return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

bool cloudinit_key(const std::string& key)
{
    static const char* keys[] = {"ciuser", "cipassword", "citype", "cicustom", "ciupgrade", "nameserver",
                                 "searchdomain", "sshkeys"};
    return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

}  // namespace

void map_misc(Context& ctx, const std::string& name)
{
    ctx.take("name");
    ctx.out.set("general.name", OutNode::text(name));
    map_description(ctx);
    if (const QmEntry* agent = ctx.take("agent")) {
        if (auto props = ctx.props(*agent, "enabled")) {
            ctx.unknown_properties(*agent, *props, {"enabled", "fstrim_cloned_disks", "type", "freeze-fs-on-backup",
                                                    "freeze-fs"});
            const bool on = props->flag("enabled");
            ctx.out.set("general.agent", OutNode::yes_no(on), Context::source(*agent));
            if (on && props->get("type") && *props->get("type") != "virtio")
                ctx.msgs.warning(agent->line, fmt::format("agent: type={} is imported as ezkvm's virtio-serial channel",
                                                          *props->get("type")));
        }
    } else {
        ctx.out.set("general.agent", OutNode::yes_no(false));
    }
    const QmEntry* onboot = ctx.take("onboot");
    ctx.out.set("general.autostart", OutNode::yes_no(onboot && parse_flag(onboot->value).value_or(false)),
                onboot ? Context::source(*onboot) : "");
    map_args(ctx);
}

void map_leftovers(Context& ctx)
{
    for (const auto& e : ctx.conf.entries) {
        if (ctx.handled.count(e.key))
            continue;
        if (e.key == "template" && parse_flag(e.value).value_or(false))
            ctx.msgs.warning(e.line, "template: 1: this is a Proxmox template, not a VM; imported as a VM");
        else if (management_key(e.key))
            ctx.msgs.note(e.line, fmt::format("{}: Proxmox's own setting, nothing the guest sees: not imported", e.key));
        else if (cloudinit_key(e.key))
            ctx.msgs.warning(e.line, fmt::format("{}: cloud-init settings are not imported", e.key));
        else if (e.key == "reboot" || e.key == "freeze" || e.key == "watchdog" || e.key == "rng0" ||
                 e.key == "ivshmem" || e.key.starts_with("virtiofs") || e.key == "amd-sev" || e.key == "intel-tdx")
            ctx.msgs.warning(e.line, fmt::format("{}: {}: not expressible in an ezkvm VM file yet, left out", e.key,
                                                 e.value));
        else
            ctx.msgs.warning(e.line, fmt::format("{}: a key this importer does not know: left out", e.key));
    }
}

}  // namespace ezkvm::import
