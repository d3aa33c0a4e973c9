// Firmware and identity: bios, efidisk0 (the UEFI variable store), smbios1,
// vmgenid, and the TPM (tpmstate0).
#include <fmt/format.h>

#include "import/context.hpp"

namespace ezkvm::import {
namespace {

void map_efidisk(Context& ctx, OutNode& bios)
{
    const QmEntry* efidisk = ctx.take("efidisk0");
    if (!efidisk) {
        if (ctx.ovmf)
            ctx.msgs.note(ctx.conf.find("bios")->line,
                          "bios ovmf without efidisk0: Proxmox starts each time from fresh UEFI variables, ezkvm "
                          "keeps them in the VM's state directory");
        return;
    }
    if (!ctx.ovmf) {
        ctx.msgs.note(efidisk->line, "efidisk0 is ignored: the VM boots SeaBIOS, as under Proxmox");
        return;
    }
    auto props = ctx.props(*efidisk, "file");
    if (!props)
        return;
    ctx.unknown_properties(*efidisk, *props, {"file", "efitype", "pre-enrolled-keys", "size", "format", "ms-cert"});
    auto volume = ctx.volume(*efidisk, props->get("file") ? *props->get("file") : "");
    if (!volume)
        return;
    const std::string format = props->get("format") ? *props->get("format") : volume->format;
    if (format == "qcow2" || format == "vmdk")
        ctx.msgs.warning(efidisk->line, fmt::format("efidisk0: the variable store is a {} image and ezkvm hands it to "
                                                    "OVMF as raw: convert it (qemu-img convert -O raw) and point "
                                                    "system.bios.file at the copy",
                                                    format));
    bios.set("file", OutNode::text(volume->path));
    // efitype=4m runs the Secure Boot build (with SMM) whether or not keys are enrolled;
    // the enrolled keys are in the store itself (PVE/QemuServer/OVMF.pm).
    const bool four_mb = props->get("efitype") && *props->get("efitype") == "4m";
    bios.set("secure_boot", OutNode::yes_no(four_mb));
    if (!four_mb)
        ctx.msgs.warning(efidisk->line, "efidisk0: a 2 MiB OVMF store (efitype 2m, the default) fits only the 2 MiB "
                                        "OVMF build; ezkvm takes the firmware its descriptors offer, on Debian 12 "
                                        "the 4 MiB one: keep a 2 MiB build in /etc/qemu/firmware, or start from a "
                                        "new store");
    else if (!props->flag("pre-enrolled-keys"))
        ctx.msgs.note(efidisk->line, "efidisk0: no keys enrolled (pre-enrolled-keys=0): Secure Boot stays off, as "
                                     "under Proxmox");
    bios.comment = Context::source(*efidisk);
}

void map_smbios(Context& ctx, OutNode& bios)
{
    const QmEntry* smbios = ctx.take("smbios1");
    if (!smbios)
        return;
    auto props = ctx.props(*smbios, "");
    if (!props)
        return;
    ctx.unknown_properties(*smbios, *props,
                           {"uuid", "manufacturer", "product", "version", "serial", "sku", "family", "base64"});
    if (const auto* uuid = props->get("uuid"))
        bios.set("uuid", OutNode::text(*uuid));
    std::string others;
    for (const char* key : {"manufacturer", "product", "version", "serial", "sku", "family"})
        if (props->has(key))
            others += (others.empty() ? "" : ", ") + std::string(key);
    if (!others.empty())
        warn_gap(ctx.msgs, smbios->line, Gap::SmbiosFields, "smbios1 " + others,
                 "[-smbios, \"type=1,...\"] (the values decoded when base64=1)");
}

void map_tpm(Context& ctx)
{
    const QmEntry* state = ctx.take("tpmstate0");
    if (!state)
        return;
    auto props = ctx.props(*state, "file");
    if (!props)
        return;
    ctx.unknown_properties(*state, *props, {"file", "version", "size"});
    auto volume = ctx.volume(*state, props->get("file") ? *props->get("file") : "");
    if (!volume)
        return;
    const std::string version = props->get("version") ? *props->get("version") : "v1.2";  // Proxmox's default
    if (version != "v1.2" && version != "v2.0") {
        ctx.msgs.error(state->line, fmt::format("tpmstate0: version '{}' is neither v1.2 nor v2.0", version));
        return;
    }
    auto tpm = OutNode::flow_map();
    tpm.set("type", OutNode::text("swtpm"));
    tpm.set("version", OutNode::text(version.substr(1)));
    tpm.set("disk", OutNode::text(volume->path));
    // Proxmox gives every TPM the TIS interface; ezkvm's default for 2.0 on q35 is CRB.
    tpm.set("interface", OutNode::text("tis"));
    ctx.out.set("system.tpm", std::move(tpm), Context::source(*state));
}

}  // namespace

void map_firmware(Context& ctx)
{
    const QmEntry* bios_entry = ctx.take("bios");
    if (bios_entry && bios_entry->value != "ovmf" && bios_entry->value != "seabios")
        ctx.msgs.error(bios_entry->line, fmt::format("bios: '{}' is neither ovmf nor seabios", bios_entry->value));
    OutNode bios = OutNode::flow_map();
    bios.set("type", OutNode::text(ctx.ovmf ? "ovmf" : "seabios"));
    bios.comment = bios_entry ? Context::source(*bios_entry) : "Proxmox's default firmware";
    map_efidisk(ctx, bios);
    map_smbios(ctx, bios);
    ctx.out.set("system.bios", std::move(bios));
    if (const QmEntry* genid = ctx.take("vmgenid"); genid && genid->value != "0") {
        if (genid->value == "1")  // "generate one": qm writes the UUID it made, so only a hand-edited file has this
            ctx.msgs.warning(genid->line, "vmgenid 1: no generation ID was made yet; set system.vmgenid to a new UUID");
        else
            ctx.out.set("system.vmgenid", OutNode::text(genid->value), Context::source(*genid));
    }
    map_tpm(ctx);
}

}  // namespace ezkvm::import
