// Disks and CD-ROMs on their buses: ideN, sataN, scsiN (on `scsihw`'s
// controllers) and virtioN, with Proxmox's drive defaults (cache=none and
// detect-zeroes on the disks: PVE/QemuServer.pm, print_drive_commandline_full).
#include <algorithm>

#include <fmt/format.h>

#include "import/context.hpp"

namespace ezkvm::import {
namespace {

struct Drive {
    const QmEntry* entry;
    unsigned index;     // the N of scsiN
    unsigned position;  // where Proxmox puts it on its bus (IDE position, SATA port, SCSI unit)
    OutNode item;
};

bool valid_serial(const std::string& s)
{
    return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

std::optional<Drive> read_drive(Context& ctx, const QmEntry& entry, const std::string& bus, unsigned index)
{
    auto props = ctx.props(entry, "file");
    if (!props)
        return std::nullopt;
    ctx.unknown_properties(entry, *props,
                           {"file", "media", "cache", "discard", "detect_zeroes", "ssd", "serial", "format", "size",
                            "iothread", "aio", "backup", "replicate", "snapshot", "shared", "mbps", "mbps_rd",
                            "mbps_wr", "iops", "iops_rd", "iops_wr", "mbps_max", "mbps_rd_max", "mbps_wr_max",
                            "iops_max", "iops_rd_max", "iops_wr_max", "bps", "bps_rd", "bps_wr", "ro", "queues",
                            "werror", "rerror", "import-from"});
    const std::string file = props->get("file") ? *props->get("file") : "";
    const bool cd = props->get("media") && *props->get("media") == "cdrom";
    if (file == "none" && !cd) {
        ctx.msgs.warning(entry.line, fmt::format("{}: a drive without a volume is left out", entry.key));
        return std::nullopt;
    }
    if (file.find("cloudinit") != std::string::npos) {
        ctx.msgs.warning(entry.line, fmt::format("{}: the cloud-init drive is left out: Proxmox writes it at each "
                                                 "start, ezkvm does not",
                                                 entry.key));
        return std::nullopt;
    }
    std::optional<Volume> volume;
    if (file == "none") {
        volume = Volume{Volume::Status::Ok, "", "", {}};  // an empty CD-ROM drive
    } else if (file == "cdrom") {
        volume = Volume{Volume::Status::Ok, "/dev/cdrom", "raw", {}};
        ctx.msgs.note(entry.line, fmt::format("{}: the host's CD-ROM drive is /dev/cdrom", entry.key));
    } else {
        volume = ctx.volume(entry, file);
    }
    if (!volume)
        return std::nullopt;

    Drive drive{&entry, index, index, OutNode::flow_map()};
    OutNode& item = drive.item;
    if (bus == "virtio")
        item.set("type", OutNode::text("virtio-blk"));
    else
        item.set("type", OutNode::text(cd ? "cd" : "hd"));
    if (!volume->path.empty())
        item.set("file", OutNode::text(volume->path));
    const std::string format = props->get("format") ? *props->get("format") : cd ? "" : volume->format;
    if (!format.empty())
        item.set("format", OutNode::text(format));
    if (!cd) {
        const std::string cache = props->get("cache") ? *props->get("cache") : "none";
        item.set("cache", OutNode::text(cache));
        const bool discard = props->get("discard") && *props->get("discard") == "on";
        if (props->get("discard"))
            item.set("discard", OutNode::text(discard ? "on" : "ignore"));
        const bool zeroes = props->flag("detect_zeroes", true);
        item.set("detect_zeroes", OutNode::text(!zeroes ? "off" : discard ? "unmap" : "on"));
    }
    if (auto it = ctx.boot_order.find(entry.key); it != ctx.boot_order.end())
        item.set("boot_index", OutNode::number(it->second));
    if (const auto* serial = props->get("serial")) {
        const std::string decoded = percent_decode(*serial);
        if (valid_serial(decoded))
            item.set("serial", OutNode::text(decoded));
        else
            ctx.msgs.warning(entry.line, fmt::format("{}: serial '{}' is left out: ezkvm takes 1 to 20 letters, "
                                                     "digits, '.', '_' and '-'",
                                                     entry.key, decoded));
    }
    if (props->flag("ssd") && !cd && bus != "virtio")
        item.set("ssd", OutNode::yes_no(true));
    if (props->flag("ro"))
        item.set("readonly", OutNode::yes_no(true));
    item.comment = Context::source(entry) + (props->get("size") ? ", " + *props->get("size") : "");

    if (props->flag("iothread"))
        warn_gap(ctx.msgs, entry.line, Gap::IoThread, entry.key + " iothread=1");
    if (const auto* aio = props->get("aio"); aio && *aio != "threads")
        warn_gap(ctx.msgs, entry.line, Gap::AioMode, fmt::format("{} aio={}", entry.key, *aio));
    for (const auto& [key, value] : props->items())
        if (key.starts_with("mbps") || key.starts_with("iops") || key.starts_with("bps")) {
            warn_gap(ctx.msgs, entry.line, Gap::DiskThrottle, fmt::format("{} {}={}", entry.key, key, value));
            break;
        }
    if (props->has("queues"))
        ctx.msgs.warning(entry.line, fmt::format("{}: queues={} is left out (one queue)", entry.key,
                                                 *props->get("queues")));
    return drive;
}

std::vector<Drive> read_bus(Context& ctx, const std::string& bus)
{
    std::vector<Drive> drives;
    for (const QmEntry* e : ctx.conf.numbered(bus)) {
        ctx.handled.insert(e->key);
        const unsigned index = static_cast<unsigned>(std::stoul(e->key.substr(bus.size())));
        if (auto d = read_drive(ctx, *e, bus, index))
            drives.push_back(std::move(*d));
    }
    return drives;
}

// One controller group; warns where ezkvm's in-order positions differ from Proxmox's.
void add_group(Context& ctx, const std::string& controller, std::vector<Drive>& drives, Gap gap,
               const std::string& comment)
{
    std::stable_sort(drives.begin(), drives.end(), [](const Drive& a, const Drive& b) { return a.position < b.position; });
    OutNode group;
    group.set("controller", OutNode::text(controller));
    if (!comment.empty())
        group.at("controller").comment = comment;
    OutNode& list = group.at("drives");
    list.kind = OutNode::Kind::Seq;
    for (size_t rank = 0; rank < drives.size(); ++rank) {
        if (drives[rank].position != rank)
            warn_gap(ctx.msgs, drives[rank].entry->line, gap,
                     fmt::format("{} ({} position {}, ezkvm's {})", drives[rank].entry->key,
                                 gap == Gap::ScsiAddress ? "Proxmox's SCSI" : "Proxmox's", drives[rank].position, rank));
        list.seq.push_back(std::move(drives[rank].item));
    }
    OutNode& storage = ctx.out.at("storage");
    storage.kind = OutNode::Kind::Seq;
    storage.seq.push_back(std::move(group));
}

void map_ide(Context& ctx)
{
    if (const QmEntry* cdrom = ctx.conf.find("cdrom"); cdrom && !ctx.conf.find("ide2"))
        ctx.msgs.warning(cdrom->line, "cdrom: the old alias of ide2 is not imported: write it as ide2");
    auto drives = read_bus(ctx, "ide");
    for (auto& d : drives)
        // q35 has one drive per AHCI port: Proxmox moves odd indices up by 2 (DriveDevice.pm).
        d.position = ctx.q35 ? d.index / 2 + 2 * (d.index % 2) : d.index;
    if (!drives.empty())
        add_group(ctx, "ide", drives, Gap::DiskPosition, "");
}

void map_sata(Context& ctx)
{
    auto drives = read_bus(ctx, "sata");
    for (unsigned controller = 0; controller < 2; ++controller) {
        std::vector<Drive> here;
        for (auto& d : drives)
            if (d.index / 6 == controller) {
                d.position = d.index % 6;
                here.push_back(std::move(d));
            }
        if (!here.empty())
            add_group(ctx, "sata", here, Gap::DiskPosition, "");
    }
}

void map_scsi(Context& ctx)
{
    const QmEntry* hw = ctx.take("scsihw");
    const std::string scsihw = hw ? hw->value : "lsi";  // Proxmox's default
    auto drives = read_bus(ctx, "scsi");
    if (drives.empty())
        return;
    std::string controller = "lsi";
    unsigned per_controller = 256;
    if (scsihw == "lsi" || scsihw == "lsi53c810") {
        per_controller = 7;
        if (scsihw == "lsi53c810")
            warn_gap(ctx.msgs, hw->line, Gap::ScsiController, "scsihw lsi53c810");
    } else if (scsihw == "pvscsi") {
        controller = "pvscsi";
    } else if (scsihw == "virtio-scsi-pci") {
        controller = "virtio-scsi";
    } else if (scsihw == "virtio-scsi-single") {
        controller = "virtio-scsi";
        per_controller = 1;
    } else {
        warn_gap(ctx.msgs, hw ? hw->line : 0, Gap::ScsiController, "scsihw " + scsihw);
        per_controller = 7;
    }
    // virtio-scsi: Proxmox puts every disk at scsi-id 0 with the index as LUN;
    // the others at scsi-id <index % per controller> (DriveDevice.pm, print_drivedevice_full).
    const bool by_lun = controller == "virtio-scsi";
    const std::string comment = hw ? Context::source(*hw) : "Proxmox's default scsihw (lsi)";
    unsigned last = 0;
    for (const auto& d : drives)
        last = std::max(last, d.index / per_controller);
    for (unsigned c = 0; c <= last; ++c) {
        std::vector<Drive> here;
        for (auto& d : drives) {
            if (d.index / per_controller != c)
                continue;
            d.position = by_lun ? d.index : d.index % per_controller;
            here.push_back(std::move(d));
        }
        if (here.empty())
            continue;
        if (by_lun) {
            // Every disk but scsi0 sits at another LUN than ezkvm's 0: warned here, not by position.
            std::sort(here.begin(), here.end(), [](const Drive& a, const Drive& b) { return a.index < b.index; });
            for (size_t i = 0; i < here.size(); ++i) {
                if (here[i].index != 0)
                    warn_gap(ctx.msgs, here[i].entry->line, Gap::ScsiAddress,
                             fmt::format("{} (Proxmox: scsi-id 0, LUN {})", here[i].entry->key, here[i].index));
                here[i].position = static_cast<unsigned>(i);
            }
        }
        add_group(ctx, controller, here, Gap::ScsiAddress, c == 0 ? comment : "");
    }
}

void map_virtio(Context& ctx)
{
    for (auto& d : read_bus(ctx, "virtio")) {
        OutNode& storage = ctx.out.at("storage");
        storage.kind = OutNode::Kind::Seq;
        storage.seq.push_back(std::move(d.item));
    }
}

}  // namespace

void map_disks(Context& ctx)
{
    map_ide(ctx);
    map_sata(ctx);
    map_scsi(ctx);
    map_virtio(ctx);
    for (const QmEntry* e : ctx.conf.numbered("unused")) {
        ctx.handled.insert(e->key);
        ctx.msgs.note(e->line, fmt::format("{}: an unused volume ({}) is not attached, as under Proxmox", e->key,
                                           e->value));
    }
}

}  // namespace ezkvm::import
