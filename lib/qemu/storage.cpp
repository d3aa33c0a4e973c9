#include <fmt/format.h>

#include "qemu/drive_format.hpp"
#include "qemu/identity.hpp"
#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

using config::ControllerModel;
using config::DriveModel;

bool is_cd(DriveModel model)
{
    return model == DriveModel::ScsiCd || model == DriveModel::IdeCd || model == DriveModel::SataCd;
}

// The chipset's own disk buses: q35's ICH9 AHCI has six ports (ide.0-ide.5, one
// drive each); i440fx's PIIX IDE has two channels with a master and a slave.
class ChipsetIde {
public:
    explicit ChipsetIde(bool q35) : q35_(q35) {}
    unsigned capacity() const { return q35_ ? 6 : 4; }

    // nullopt when all buses are taken.
    std::optional<Opts> next(Opts opts)
    {
        if (used_ == capacity())
            return std::nullopt;
        const unsigned n = used_++;
        if (q35_)
            return opts.set("bus", fmt::format("ide.{}", n));
        return opts.set("bus", fmt::format("ide.{}", n / 2)).set("unit", n % 2);
    }

private:
    bool q35_;
    unsigned used_ = 0;
};

struct StorageState {
    unsigned drives = 0;  // driveN ids across all groups
    unsigned iothreads = 0;
    unsigned scsi_controllers = 0;
    unsigned sata_controllers = 0;
    unsigned own_slot_drives = 0;  // virtio-blk and nvme
    ChipsetIde ide;
};

// Unset: Linux AIO where the cache mode bypasses the page cache (O_DIRECT, which
// is what native needs), else qemu's own default, a thread pool. io_uring only
// when asked: buffered io_uring has had kernel bugs that threads never had.
std::string aio_mode(const config::Drive& drive)
{
    if (!drive.aio.empty())
        return drive.aio;
    if (drive.cache == "none" || drive.cache == "directsync")
        return "native";
    return {};
}

// -object iothread: a thread of its own for one device's virtqueues.
std::string add_iothread(CommandContext& ctx, StorageState& state)
{
    const std::string id = fmt::format("iothread{}", state.iothreads++);
    ctx.args.add("-object", Opts("iothread").set("id", id));
    return id;
}

// -drive file=..,if=none: the host side; returns its id for the device.
std::string add_backend(CommandContext& ctx, StorageState& state, const config::Drive& drive)
{
    const std::string id = fmt::format("drive{}", state.drives++);
    const bool cd = is_cd(drive.model);
    if (drive.file.empty()) {  // a CD-ROM drive with no medium
        ctx.args.add("-drive", Opts().set("if", "none").set("id", id).on("readonly", true));
        return id;
    }
    Opts opts;
    opts.set("file", drive.file)
        .set("if", "none")
        .set("id", id)
        .set("format", format_name(drive_format(drive, cd, ctx.input.probe_format)));
    if (!drive.cache.empty())
        opts.set("cache", drive.cache);
    if (!drive.discard.empty())
        opts.set("discard", drive.discard);
    if (!drive.detect_zeroes.empty())
        opts.set("detect-zeroes", drive.detect_zeroes);
    if (const std::string aio = aio_mode(drive); !aio.empty())
        opts.set("aio", aio);
    if (drive.readonly || cd)
        opts.on("readonly", true);
    ctx.args.add("-drive", opts);
    ctx.uses(drive.file, !drive.readonly);
    return id;
}

// Guest-side properties every disk device has.
Opts& common(Opts& opts, const config::Drive& drive, const std::string& id)
{
    opts.set("drive", id);
    if (drive.boot_index)
        opts.set("bootindex", *drive.boot_index);
    if (!drive.serial.empty())
        opts.set("serial", drive.serial);
    return opts;
}

// scsi-hd and ide-hd report a rotation rate; 1 means "non-rotating" (an SSD).
Opts& rotation(Opts& opts, const config::Drive& drive)
{
    if (drive.ssd && !is_cd(drive.model))
        opts.set("rotation_rate", 1);
    return opts;
}

// SCSI and SATA controllers share one kind, indexed in file order (the ids
// scsiN/sataN count each model on its own).
PciAddr controller_slot(CommandContext& ctx, const StorageState& state)
{
    return ctx.pci.slot_for(PciKind::StorageController, state.scsi_controllers + state.sata_controllers - 1);
}

struct ScsiKind {
    const char* driver;
    unsigned targets;  // scsi-id 0..targets-1
};

ScsiKind scsi_kind(ControllerModel model)
{
    switch (model) {
    case ControllerModel::Pvscsi: return {"pvscsi", 64};
    case ControllerModel::Lsi: return {"lsi53c895a", 8};
    default: break;
    }
    return {"virtio-scsi-pci", 256};
}

void add_scsi_group(CommandContext& ctx, StorageState& state, const config::StorageGroup& group)
{
    const ScsiKind kind = scsi_kind(*group.controller);
    const std::string id = fmt::format("scsi{}", state.scsi_controllers++);
    if (group.drives.size() > kind.targets)
        ctx.diags.error(group.pos, "storage",
                        fmt::format("{} drives on one {} controller, which takes at most {}", group.drives.size(),
                                    kind.driver, kind.targets),
                        "split the drives over two controllers");
    Opts controller(kind.driver);
    controller.set("id", id);
    if (group.iothread)
        controller.set("iothread", add_iothread(ctx, state));
    if (group.queues)
        controller.set("num_queues", group.queues);
    ctx.add_pci_device(controller, controller_slot(ctx, state));
    for (size_t i = 0; i < group.drives.size(); ++i) {
        const auto& drive = group.drives[i];
        const std::string backend = add_backend(ctx, state, drive);
        Opts dev(is_cd(drive.model) ? "scsi-cd" : "scsi-hd");
        dev.set("bus", id + ".0").set("scsi-id", static_cast<unsigned>(i)).set("lun", 0);
        ctx.args.add("-device", rotation(common(dev, drive, backend), drive));
    }
}

constexpr unsigned kAhciPorts = 6;

void add_sata_group(CommandContext& ctx, StorageState& state, const config::StorageGroup& group)
{
    const std::string id = fmt::format("sata{}", state.sata_controllers++);
    if (group.drives.size() > kAhciPorts)
        ctx.diags.error(group.pos, "storage",
                        fmt::format("{} drives on one SATA controller, which has {} ports", group.drives.size(),
                                    kAhciPorts),
                        "split the drives over two controllers");
    Opts controller("ahci");
    controller.set("id", id);
    ctx.add_pci_device(controller, controller_slot(ctx, state));
    for (size_t i = 0; i < group.drives.size(); ++i) {
        const auto& drive = group.drives[i];
        const std::string backend = add_backend(ctx, state, drive);
        Opts dev(is_cd(drive.model) ? "ide-cd" : "ide-hd");
        dev.set("bus", fmt::format("{}.{}", id, i));
        ctx.args.add("-device", rotation(common(dev, drive, backend), drive));
    }
}

void add_ide_drive(CommandContext& ctx, StorageState& state, const config::Drive& drive)
{
    const std::string backend = add_backend(ctx, state, drive);
    auto dev = state.ide.next(Opts(is_cd(drive.model) ? "ide-cd" : "ide-hd"));
    if (!dev) {
        ctx.diags.error(drive.pos, "storage",
                        fmt::format("the {} chipset has only {} IDE drive positions", ctx.q35() ? "q35" : "i440fx",
                                    state.ide.capacity()),
                        "put further drives on a SATA or SCSI controller, or use virtio-blk");
        return;
    }
    ctx.args.add("-device", rotation(common(*dev, drive, backend), drive));
}

// Drives of a group without controller: each attaches by its own model.
void add_standalone_drive(CommandContext& ctx, StorageState& state, const config::Drive& drive)
{
    switch (drive.model) {
    case DriveModel::VirtioBlk: {
        const std::string backend = add_backend(ctx, state, drive);
        Opts dev("virtio-blk-pci");
        common(dev, drive, backend);
        if (drive.iothread)
            dev.set("iothread", add_iothread(ctx, state));
        if (drive.queues)
            dev.set("num-queues", drive.queues);
        ctx.add_pci_device(dev, ctx.pci.slot_for(PciKind::Disk, state.own_slot_drives++));
        return;
    }
    case DriveModel::Nvme: {
        const std::string backend = add_backend(ctx, state, drive);
        Opts dev("nvme");
        dev.set("drive", backend);
        if (drive.boot_index)
            dev.set("bootindex", *drive.boot_index);
        // qemu requires a serial for NVMe; derive a stable one.
        dev.set("serial", drive.serial.empty() ? derived_serial(ctx.spec.general.name, drive.file) : drive.serial);
        ctx.add_pci_device(dev, ctx.pci.slot_for(PciKind::Disk, state.own_slot_drives++));
        return;
    }
    case DriveModel::IdeHd:
    case DriveModel::IdeCd: add_ide_drive(ctx, state, drive); return;
    case DriveModel::ScsiHd:
    case DriveModel::ScsiCd:
    case DriveModel::SataHd:
    case DriveModel::SataCd: break;
    }
    ctx.diags.error(drive.pos, "storage", "this drive type needs a controller", "put it in a group with a controller");
}

}  // namespace

void add_storage(CommandContext& ctx)
{
    StorageState state{0, 0, 0, 0, 0, ChipsetIde(ctx.q35())};
    for (const auto& group : ctx.spec.storage) {
        if (!group.controller) {
            for (const auto& drive : group.drives)
                add_standalone_drive(ctx, state, drive);
            continue;
        }
        switch (*group.controller) {
        case ControllerModel::VirtioScsi:
        case ControllerModel::Pvscsi:
        case ControllerModel::Lsi: add_scsi_group(ctx, state, group); break;
        case ControllerModel::Sata: add_sata_group(ctx, state, group); break;
        case ControllerModel::Ide:
            for (const auto& drive : group.drives)
                add_ide_drive(ctx, state, drive);
            break;
        }
    }
}

}  // namespace ezkvm::qemu
