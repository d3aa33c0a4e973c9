// storage: flat drive items and controller groups, both becoming StorageGroups.
#include <fmt/format.h>

#include <map>

#include "config/parse_internal.hpp"
#include "base/suggest.hpp"

namespace ezkvm::config::detail {
namespace {

const std::vector<std::pair<std::string, DriveModel>> drive_models{
    {"virtio-blk", DriveModel::VirtioBlk}, {"scsi-hd", DriveModel::ScsiHd}, {"scsi-cd", DriveModel::ScsiCd},
    {"ide-hd", DriveModel::IdeHd},         {"ide-cd", DriveModel::IdeCd},   {"sata-hd", DriveModel::SataHd},
    {"sata-cd", DriveModel::SataCd},       {"nvme", DriveModel::Nvme},
};

constexpr uint64_t max_queues = 64;

DriveModel model_named(const std::string& name)
{
    for (const auto& [n, m] : drive_models)
        if (n == name)
            return m;
    return DriveModel::VirtioBlk;  // names come from validated DeviceDefaults
}

bool is_cdrom(DriveModel m) { return m == DriveModel::ScsiCd || m == DriveModel::IdeCd || m == DriveModel::SataCd; }
bool is_ide(DriveModel m) { return m == DriveModel::IdeHd || m == DriveModel::IdeCd; }

// Rules that look at all drives of the VM.
struct DriveChecks {
    Chipset chipset;
    std::map<unsigned, std::string> boot_indexes;  // -> path of the drive that has it
    struct FileUse {
        std::string path;
        bool writable;
    };
    std::map<std::string, FileUse> files;
    unsigned ide_drives = 0;
};

// A choice whose words may also be written as booleans (discard: on).
std::optional<std::string> bool_or_choice(const MapReader& r, const std::string& key, const char* when_true,
                                          const char* when_false, std::vector<std::string> words)
{
    auto text = r.str(key);
    if (!text)
        return std::nullopt;
    if (auto b = parse_bool(*text))
        return *b ? when_true : when_false;
    for (const auto& w : words)
        if (w == *text)
            return w;
    words.insert(words.begin(), {"on", "off"});
    r.error(key, fmt::format("'{}' is not a valid choice", *text), suggestion(*text, words));
    return std::nullopt;
}

void read_drive_options(const MapReader& r, Drive& d)
{
    assign(d.file, r.absolute_path("file"));
    assign(d.format, r.choice<DriveFormat>("format", {{"raw", DriveFormat::Raw},
                                                      {"qcow2", DriveFormat::Qcow2},
                                                      {"vmdk", DriveFormat::Vmdk},
                                                      {"vdi", DriveFormat::Vdi},
                                                      {"vhdx", DriveFormat::Vhdx}}));
    assign(d.discard, bool_or_choice(r, "discard", "unmap", "ignore", {"unmap", "ignore"}));
    Choices<std::string> caches;
    for (const char* c : {"none", "writeback", "writethrough", "directsync", "unsafe"})
        caches.emplace_back(c, c);
    assign(d.cache, r.choice("cache", caches));
    assign(d.detect_zeroes, bool_or_choice(r, "detect_zeroes", "on", "off", {"unmap"}));
    assign(d.aio, r.choice<std::string>("aio", {{"threads", "threads"}, {"native", "native"}, {"io_uring", "io_uring"}}));
    if (auto index = r.number("boot_index", 0, 99))
        d.boot_index = static_cast<unsigned>(*index);
    if (auto serial = r.str("serial")) {
        if (serial->size() > 20)
            r.error("serial", fmt::format("a drive serial has at most 20 characters, this one has {}", serial->size()));
        else if (!valid_drive_serial(*serial))
            r.error("serial", fmt::format("expected letters, digits, '.', '_' or '-', got '{}'", *serial));
        else
            d.serial = *serial;
    }
    assign(d.readonly, r.boolean("readonly"));
    assign(d.ssd, r.boolean("ssd"));
    assign(d.create, r.boolean("create"));
    assign(d.size, r.size("size", 1));
}

void check_drive(const MapReader& r, Drive& d, DriveChecks& checks)
{
    if (!r.get("file") && !is_cdrom(d.model))
        r.error("file", "file is required: the disk image or block device", "such as /dev/vg0/vm-disk or /var/lib/images/vm.qcow2");
    if (is_cdrom(d.model) && !r.get("file")) {
        // An empty drive: the guest sees a CD-ROM with no medium; the host-side keys have nothing to act on.
        for (const char* key : {"format", "cache", "discard", "detect_zeroes"})
            if (r.get(key))
                r.error(key, fmt::format("{} needs a file: this cdrom drive is empty", key),
                        "add file: with an image, or remove the key");
    }
    if (is_cdrom(d.model)) {
        if (r.get("readonly") && !d.readonly)
            r.error("readonly", "a cdrom is always read-only");
        d.readonly = true;
        if (d.create)
            r.error("create", "a cdrom cannot be created");
    } else if (d.create) {
        if (d.file.rfind("/dev/", 0) == 0)
            r.error("create", "block devices are not created; create only works for image files",
                    "create the volume yourself (such as with lvcreate) and remove create");
        if (!r.get("size"))
            r.error("create", "create needs a size", "add size, such as size: 32G");
    }
    if (r.get("size") && !d.create)
        r.error("size", "size is only used with create: yes");
    if (d.detect_zeroes == "unmap" && d.discard != "unmap")
        r.error("detect_zeroes", "detect_zeroes: unmap needs discard: unmap (or on)");
    // Linux AIO submits only O_DIRECT requests asynchronously; qemu refuses it otherwise.
    if (d.aio == "native" && d.cache != "none" && d.cache != "directsync")
        r.error("aio", "aio: native needs cache: none or directsync (O_DIRECT)",
                "set cache: none, or use aio: io_uring");

    if (d.boot_index) {
        auto [at, added] = checks.boot_indexes.emplace(*d.boot_index, r.path());
        if (!added)
            r.error("boot_index", fmt::format("boot_index {} is already used by {}", *d.boot_index, at->second));
    }
    if (!d.file.empty()) {
        auto [at, added] = checks.files.emplace(d.file, DriveChecks::FileUse{r.path(), !d.readonly});
        if (!added && (at->second.writable || !d.readonly))
            r.error("file", fmt::format("{} is already used by {}", d.file, at->second.path),
                    "a file can be shared only by read-only drives");
    }
    if (is_ide(d.model) && checks.chipset == Chipset::I440fx && ++checks.ide_drives > 4)
        r.diags().error(r.pos(), r.path(), "i440fx has 4 IDE slots and they are all taken",
                        "use virtio-blk or a SCSI or SATA controller");
}

// iothread and queues belong to the device that has the virtqueues: a virtio-blk
// disk itself, or the virtio-scsi controller of SCSI disks.
void read_queue_options(const MapReader& r, Drive& d)
{
    assign(d.iothread, r.boolean("iothread"));
    if (auto queues = r.number("queues", 1, max_queues))
        d.queues = static_cast<unsigned>(*queues);
    if (d.model == DriveModel::VirtioBlk)
        return;
    const bool scsi = d.model == DriveModel::ScsiHd || d.model == DriveModel::ScsiCd;
    for (const char* key : {"iothread", "queues"}) {
        if (!r.get(key))
            continue;
        if (scsi)
            r.error(key, fmt::format("the {} of a SCSI disk belongs to its controller", key),
                    fmt::format("use a group: {{ controller: virtio-scsi, {}: ..., drives: [ ... ] }}", key));
        else
            r.error(key, fmt::format("{} is for virtio-blk disks and virtio-scsi controllers", key));
    }
}

std::optional<Drive> parse_drive(const MapReader& r, DriveModel model, DriveChecks& checks)
{
    Drive d;
    d.pos = r.pos();
    d.model = model;
    read_drive_options(r, d);
    check_drive(r, d, checks);
    if (d.file.empty() && (r.get("file") || !is_cdrom(model)))  // a bad file (reported) or none where one is needed
        return std::nullopt;
    return d;
}

struct ControllerKind {
    ControllerModel controller;
    DriveModel hd, cd;
};

std::optional<StorageGroup> parse_group(const MapReader& r, DriveChecks& checks)
{
    StorageGroup group;
    group.pos = r.pos();
    const auto kind = r.choice<ControllerKind>(
        "controller", {{"virtio-scsi", {ControllerModel::VirtioScsi, DriveModel::ScsiHd, DriveModel::ScsiCd}},
                       {"pvscsi", {ControllerModel::Pvscsi, DriveModel::ScsiHd, DriveModel::ScsiCd}},
                       {"lsi", {ControllerModel::Lsi, DriveModel::ScsiHd, DriveModel::ScsiCd}},
                       {"sata", {ControllerModel::Sata, DriveModel::SataHd, DriveModel::SataCd}},
                       {"ide", {ControllerModel::Ide, DriveModel::IdeHd, DriveModel::IdeCd}}});
    if (!r.get("controller"))
        r.error("controller", "a drive group needs a controller", "one of: virtio-scsi, pvscsi, lsi, sata, ide");
    const auto items = r.list("drives");
    if (!r.get("drives"))
        r.error("drives", "a controller group needs its drives", "such as drives: [ { file: /dev/vg0/vm-disk } ]");
    // With a bad or missing controller the drives are still checked, as SCSI drives.
    const ControllerKind k = kind.value_or(ControllerKind{ControllerModel::VirtioScsi, DriveModel::ScsiHd, DriveModel::ScsiCd});
    group.controller = k.controller;
    assign(group.iothread, r.boolean("iothread"));
    if (auto queues = r.number("queues", 1, max_queues))
        group.queues = static_cast<unsigned>(*queues);
    if (kind && k.controller != ControllerModel::VirtioScsi)
        for (const char* key : {"iothread", "queues"})
            if (r.get(key))
                r.error(key, fmt::format("{} is for virtio-scsi controllers", key));
    for (size_t i = 0; i < items.size(); ++i) {
        const MapReader item = item_reader(items[i], item_path(r, "drives", i), r.diags());
        if (!item.present())
            continue;
        const auto cd = item.choice<bool>("type", {{"hd", false}, {"cd", true}});
        if (!cd && item.get("type"))
            continue;
        if (auto d = parse_drive(item, cd.value_or(false) ? k.cd : k.hd, checks))
            group.drives.push_back(std::move(*d));
    }
    if (!kind)
        return std::nullopt;
    return group;
}

// Where a flat item's drive goes: flat items of one kind share an implicit group.
struct ImplicitGroup {
    std::string kind;
    std::optional<ControllerModel> controller;
};

ImplicitGroup implicit_group(DriveModel m, const DeviceDefaults& devices)
{
    switch (m) {
    case DriveModel::ScsiHd:
    case DriveModel::ScsiCd: {
        ControllerModel c = ControllerModel::VirtioScsi;
        if (devices.scsi_controller == "pvscsi")
            c = ControllerModel::Pvscsi;
        else if (devices.scsi_controller == "lsi")
            c = ControllerModel::Lsi;
        return {"scsi", c};
    }
    case DriveModel::SataHd:
    case DriveModel::SataCd: return {"sata", ControllerModel::Sata};
    case DriveModel::IdeHd:
    case DriveModel::IdeCd: return {"ide", std::nullopt};
    case DriveModel::Nvme: return {"nvme", std::nullopt};
    case DriveModel::VirtioBlk: break;
    }
    return {"virtio-blk", std::nullopt};
}

std::optional<DriveModel> flat_model(const MapReader& r, const DeviceDefaults& devices)
{
    Choices<std::string> types{{"disk", devices.disk}, {"cdrom", devices.cdrom}};
    for (const auto& [name, model] : drive_models)
        types.emplace_back(name, name);
    if (!r.get("type"))
        return model_named(devices.disk);
    if (auto name = r.choice("type", types))
        return model_named(*name);
    return std::nullopt;
}

}  // namespace

std::vector<StorageGroup> parse_storage(const MapReader& root, const DeviceDefaults& devices, Chipset chipset)
{
    std::vector<StorageGroup> groups;
    std::map<std::string, size_t> implicit;  // kind -> index in groups
    DriveChecks checks{chipset, {}, {}, 0};
    const auto items = root.list("storage");
    for (size_t i = 0; i < items.size(); ++i) {
        const Node* item = items[i];
        const std::string path = item_path(root, "storage", i);
        if (item->is_map() && (item->find("controller") || item->find("drives"))) {
            const MapReader r(item, path, root.diags(), "group");
            if (auto group = parse_group(r, checks))
                groups.push_back(std::move(*group));
            continue;
        }
        const MapReader r = item_reader(item, path, root.diags());
        if (!r.present())
            continue;
        const auto model = flat_model(r, devices);
        if (!model)
            continue;
        auto drive = parse_drive(r, *model, checks);
        if (!drive)
            continue;
        read_queue_options(r, *drive);
        const ImplicitGroup where = implicit_group(*model, devices);
        auto [at, added] = implicit.emplace(where.kind, groups.size());
        if (added) {
            StorageGroup g;
            g.pos = r.pos();
            g.controller = where.controller;
            g.implicit = true;
            groups.push_back(std::move(g));
        }
        groups[at->second].drives.push_back(std::move(*drive));
    }
    return groups;
}

}  // namespace ezkvm::config::detail
