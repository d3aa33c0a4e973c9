#include <catch2/catch.hpp>

#include "qemu/identity.hpp"
#include "test_qemu_support.hpp"

using namespace ezkvm;
using namespace ezkvm::qemu;
using config::DriveFormat;
using config::DriveModel;

namespace {

config::Drive drive(const std::string& file, DriveModel model = DriveModel::VirtioBlk)
{
    config::Drive d;
    d.file = file;
    d.model = model;
    return d;
}

config::StorageGroup group(std::optional<config::ControllerModel> controller, std::vector<config::Drive> drives)
{
    config::StorageGroup g;
    g.controller = controller;
    g.drives = std::move(drives);
    return g;
}

// The -drive values after the two pflash drives.
std::vector<test::Parsed> backends(const std::vector<std::string>& argv)
{
    std::vector<test::Parsed> out;
    for (const auto& v : test::values(argv, "-drive"))
        if (auto p = test::parse(v); p.get("if") == "none")
            out.push_back(p);
    return out;
}

}  // namespace

TEST_CASE("format detection: configured, extension, /dev, probe, fallback")
{
    const FormatProbe none;
    const FormatProbe says_qcow2 = [](const std::string&) { return std::optional(DriveFormat::Qcow2); };
    auto d = drive("/vm/disk.QCOW2");
    CHECK(drive_format(d, false, says_qcow2) == DriveFormat::Qcow2);
    d.format = DriveFormat::Raw;
    CHECK(drive_format(d, false, says_qcow2) == DriveFormat::Raw);

    CHECK(drive_format(drive("/vm/a.qcow"), false, none) == DriveFormat::Qcow2);
    CHECK(drive_format(drive("/vm/a.vmdk"), false, none) == DriveFormat::Vmdk);
    CHECK(drive_format(drive("/vm/a.vdi"), false, none) == DriveFormat::Vdi);
    CHECK(drive_format(drive("/vm/a.vhdx"), false, none) == DriveFormat::Vhdx);
    // The extension wins over the file's content: a guest cannot turn its raw disk into qcow2.
    CHECK(drive_format(drive("/vm/a.img"), false, says_qcow2) == DriveFormat::Raw);
    CHECK(drive_format(drive("/vm/a.iso"), true, says_qcow2) == DriveFormat::Raw);
    CHECK(drive_format(drive("/dev/vm1/win11-boot"), false, says_qcow2) == DriveFormat::Raw);
    // A dot in a directory name is no extension.
    CHECK(drive_format(drive("/vm.d/disk"), false, says_qcow2) == DriveFormat::Qcow2);

    auto created = drive("/vm/new");
    CHECK(drive_format(created, false, none) == DriveFormat::Raw);
    CHECK(drive_format(created, true, none) == DriveFormat::Raw);
    created.create = true;
    CHECK(drive_format(created, false, none) == DriveFormat::Qcow2);
    CHECK(format_name(DriveFormat::Vhdx) == "vhdx");
    CHECK(format_name(DriveFormat::Auto) == "raw");
}

TEST_CASE("the plan passes the probe's answer for files without a known extension")
{
    auto spec = test::base_spec();
    spec.storage.push_back(group(std::nullopt, {drive("/vm/disk")}));
    const auto b = test::build(spec, test::fake_ovmf(), [](const std::string& path) {
        return path == "/vm/disk" ? std::optional(DriveFormat::Qcow2) : std::nullopt;
    });
    CHECK(backends(b.argv()).at(0).get("format") == "qcow2");
}

TEST_CASE("drive options reach -drive, guest options the device")
{
    auto spec = test::base_spec();
    auto d = drive("/vm/disk.qcow2");
    d.cache = "none";
    d.discard = "unmap";
    d.detect_zeroes = "unmap";
    d.boot_index = 0;
    d.serial = "BOOT01";
    d.readonly = true;
    spec.storage.push_back(group(std::nullopt, {d}));
    const auto b = test::build(spec);
    REQUIRE_FALSE(b.diags.has_errors());
    CHECK(test::has(b.argv(), "-drive",
                    "file=/vm/disk.qcow2,if=none,id=drive0,format=qcow2,cache=none,discard=unmap,"
                    "detect-zeroes=unmap,aio=native,readonly=on"));
    CHECK(test::has(b.argv(), "-device", "virtio-blk-pci,drive=drive0,bootindex=0,serial=BOOT01,bus=pcie.0,addr=0x0b"));
    CHECK(test::host_paths(b).back() == "/vm/disk.qcow2");
    CHECK_FALSE(b.command.host_paths.back().writable);  // readonly: yes
}

TEST_CASE("aio follows the cache mode unless given")
{
    const auto aio_of = [](const std::string& cache, const std::string& aio) {
        auto spec = test::base_spec();
        auto d = drive("/vm/disk.raw");
        d.cache = cache;
        d.aio = aio;
        spec.storage.push_back(group(std::nullopt, {d}));
        return backends(test::build(spec).argv()).at(0).get("aio");
    };
    CHECK(aio_of("none", "") == "native");
    CHECK(aio_of("directsync", "") == "native");
    CHECK_FALSE(aio_of("", ""));
    CHECK_FALSE(aio_of("writeback", ""));
    CHECK(aio_of("none", "threads") == "threads");
    CHECK(aio_of("writeback", "io_uring") == "io_uring");
}

TEST_CASE("iothreads and queues: one iothread object per virtio-blk disk or virtio-scsi controller")
{
    auto spec = test::base_spec();
    auto blk = drive("/vm/a.raw");
    blk.iothread = true;
    blk.queues = 4;
    spec.storage.push_back(group(std::nullopt, {blk, drive("/vm/b.raw")}));
    auto scsi = group(config::ControllerModel::VirtioScsi, {drive("/vm/c.raw", DriveModel::ScsiHd)});
    scsi.iothread = true;
    scsi.queues = 2;
    spec.storage.push_back(scsi);
    const auto b = test::build(spec);
    REQUIRE_FALSE(b.diags.has_errors());
    CHECK(test::has(b.argv(), "-object", "iothread,id=iothread0"));
    CHECK(test::has(b.argv(), "-object", "iothread,id=iothread1"));
    CHECK(test::has(b.argv(), "-device", "virtio-blk-pci,drive=drive0,iothread=iothread0,num-queues=4,bus=pcie.0,addr=0x0b"));
    CHECK(test::has(b.argv(), "-device", "virtio-blk-pci,drive=drive1,bus=pcie.0,addr=0x0c"));
    CHECK(test::has(b.argv(), "-device", "virtio-scsi-pci,id=scsi0,iothread=iothread1,num_queues=2,bus=pcie.0,addr=0x07"));
}

TEST_CASE("SCSI controllers: one device each, drives by scsi-id")
{
    auto spec = test::base_spec();
    auto hd = drive("/dev/vm1/win11-boot", DriveModel::ScsiHd);
    hd.ssd = true;
    auto cd = drive("/iso/win11.iso", DriveModel::ScsiCd);
    cd.ssd = true;  // meaningless for a cdrom: no rotation rate
    spec.storage.push_back(
        group(config::ControllerModel::Pvscsi, {hd, drive("/dev/vm1/win11-data", DriveModel::ScsiHd)}));
    spec.storage.push_back(group(config::ControllerModel::VirtioScsi, {cd}));
    spec.storage.push_back(group(config::ControllerModel::Lsi, {drive("/vm/old.raw", DriveModel::ScsiHd)}));
    const auto b = test::build(spec);
    REQUIRE_FALSE(b.diags.has_errors());
    CHECK(test::has(b.argv(), "-device", "pvscsi,id=scsi0,bus=pcie.0,addr=0x07"));
    CHECK(test::has(b.argv(), "-device", "virtio-scsi-pci,id=scsi1,bus=pcie.0,addr=0x08"));
    CHECK(test::has(b.argv(), "-device", "lsi53c895a,id=scsi2,bus=pcie.0,addr=0x09"));
    CHECK(test::has(b.argv(), "-device", "scsi-hd,bus=scsi0.0,scsi-id=0,lun=0,drive=drive0,rotation_rate=1"));
    CHECK(test::has(b.argv(), "-device", "scsi-hd,bus=scsi0.0,scsi-id=1,lun=0,drive=drive1"));
    CHECK(test::has(b.argv(), "-device", "scsi-cd,bus=scsi1.0,scsi-id=0,lun=0,drive=drive2"));
    CHECK(test::has(b.argv(), "-device", "scsi-hd,bus=scsi2.0,scsi-id=0,lun=0,drive=drive3"));
    const auto cd_backend = backends(b.argv()).at(2);
    CHECK(cd_backend.get("readonly") == "on");
    CHECK(cd_backend.get("format") == "raw");

    std::vector<config::Drive> nine(9, drive("/vm/x.raw", DriveModel::ScsiHd));
    spec.storage = {group(config::ControllerModel::Lsi, nine)};
    CHECK(test::has_error(test::build(spec).diags, "9 drives on one lsi53c895a controller, which takes at most 8"));
}

TEST_CASE("SATA groups get an AHCI controller with one drive per port")
{
    auto spec = test::base_spec();
    spec.storage.push_back(group(config::ControllerModel::Sata, {drive("/vm/mac.qcow2", DriveModel::SataHd),
                                                                 drive("/vm/install.iso", DriveModel::SataCd)}));
    spec.storage.push_back(group(config::ControllerModel::Sata, {drive("/vm/2.raw", DriveModel::SataHd)}));
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-device", "ahci,id=sata0,bus=pcie.0,addr=0x07"));
    CHECK(test::has(b.argv(), "-device", "ide-hd,bus=sata0.0,drive=drive0"));
    CHECK(test::has(b.argv(), "-device", "ide-cd,bus=sata0.1,drive=drive1"));
    CHECK(test::has(b.argv(), "-device", "ide-hd,bus=sata1.0,drive=drive2"));

    spec.storage = {group(config::ControllerModel::Sata, std::vector(7, drive("/vm/x.raw", DriveModel::SataHd)))};
    CHECK(test::has_error(test::build(spec).diags, "which has 6 ports"));
}

TEST_CASE("chipset IDE: q35's six AHCI ports, i440fx's two channels")
{
    auto spec = test::base_spec();
    spec.storage.push_back(group(std::nullopt, {drive("/vm/a.iso", DriveModel::IdeCd)}));
    spec.storage.push_back(group(config::ControllerModel::Ide, {drive("/vm/b.raw", DriveModel::IdeHd),
                                                                drive("/vm/c.raw", DriveModel::IdeHd)}));
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-device", "ide-cd,bus=ide.0,drive=drive0"));
    CHECK(test::has(b.argv(), "-device", "ide-hd,bus=ide.1,drive=drive1"));
    CHECK(test::has(b.argv(), "-device", "ide-hd,bus=ide.2,drive=drive2"));
    CHECK(test::devices(b.argv(), "ahci").empty());

    spec.system.chipset.type = config::Chipset::I440fx;
    b = test::build(spec);
    CHECK(test::has(b.argv(), "-device", "ide-cd,bus=ide.0,unit=0,drive=drive0"));
    CHECK(test::has(b.argv(), "-device", "ide-hd,bus=ide.0,unit=1,drive=drive1"));
    CHECK(test::has(b.argv(), "-device", "ide-hd,bus=ide.1,unit=0,drive=drive2"));

    spec.storage.push_back(
        group(std::nullopt, {drive("/vm/d.raw", DriveModel::IdeHd), drive("/vm/e.raw", DriveModel::IdeHd)}));
    CHECK(test::has_error(test::build(spec).diags, "the i440fx chipset has only 4 IDE drive positions"));
    spec.system.chipset.type = config::Chipset::Q35;
    CHECK_FALSE(test::build(spec).diags.has_errors());
}

TEST_CASE("NVMe gets a derived serial unless one is given")
{
    auto spec = test::base_spec("n");
    auto given = drive("/vm/b.raw", DriveModel::Nvme);
    given.serial = "MYSERIAL";
    given.boot_index = 1;
    spec.storage.push_back(group(std::nullopt, {drive("/vm/a.raw", DriveModel::Nvme), given}));
    const auto b = test::build(spec);
    const auto nvme = test::devices(b.argv(), "nvme");
    REQUIRE(nvme.size() == 2);
    CHECK(nvme[0].get("serial") == derived_serial("n", "/vm/a.raw"));
    CHECK(nvme[1].get("serial") == "MYSERIAL");
    CHECK(nvme[1].get("bootindex") == "1");
    CHECK(nvme[0].get("addr") != nvme[1].get("addr"));
}

TEST_CASE("a controller-bound model outside a controller group is an error")
{
    auto spec = test::base_spec();
    spec.storage.push_back(group(std::nullopt, {drive("/vm/a.raw", DriveModel::ScsiHd)}));
    CHECK(test::has_error(test::build(spec).diags, "needs a controller"));
}
