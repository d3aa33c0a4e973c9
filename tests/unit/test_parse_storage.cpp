// parse_spec: storage, both the flat and the controller-group form.
#include "parse_fixture.hpp"

using namespace ezkvm::config;
using namespace parse_test;

TEST_CASE("flat storage items go to implicit groups by kind")
{
    const VmSpec s = parse_ok(R"(
storage:
  - { type: scsi-hd, file: /dev/vm1/vm-boot, discard: "on", boot_index: 0 }
  - { type: virtio-blk, file: /var/lib/images/data.qcow2, format: qcow2, cache: none }
  - { type: ide-cd, file: /srv/iso/virtio-win.iso }
  - { type: scsi-cd, file: /srv/iso/win11.iso, boot_index: "1" }
  - { file: /dev/vm1/vm-data, discard: ignore, detect_zeroes: "off", ssd: yes, serial: DATA-1 }
  - { type: nvme, file: /dev/nvme0n1p3 }
  - { type: sata-hd, file: /dev/vm1/vm-sata, readonly: yes }
)");
    REQUIRE(s.storage.size() == 5);
    const StorageGroup& scsi = s.storage[0];
    CHECK(scsi.implicit);
    CHECK(scsi.controller == ControllerModel::VirtioScsi);
    CHECK(scsi.pos.line == 3);
    REQUIRE(scsi.drives.size() == 2);
    CHECK(scsi.drives[0].model == DriveModel::ScsiHd);
    CHECK(scsi.drives[0].file == "/dev/vm1/vm-boot");
    CHECK(scsi.drives[0].discard == "unmap");
    CHECK(scsi.drives[0].boot_index == 0u);
    CHECK_FALSE(scsi.drives[0].readonly);
    CHECK(scsi.drives[1].model == DriveModel::ScsiCd);
    CHECK(scsi.drives[1].readonly);
    CHECK(scsi.drives[1].boot_index == 1u);

    const StorageGroup& virtio = s.storage[1];
    CHECK_FALSE(virtio.controller.has_value());
    REQUIRE(virtio.drives.size() == 2);
    CHECK(virtio.drives[0].format == DriveFormat::Qcow2);
    CHECK(virtio.drives[0].cache == "none");
    CHECK_FALSE(virtio.drives[0].boot_index.has_value());
    CHECK(virtio.drives[1].model == DriveModel::VirtioBlk);  // type disk by default, devices.disk
    CHECK(virtio.drives[1].discard == "ignore");
    CHECK(virtio.drives[1].detect_zeroes == "off");
    CHECK(virtio.drives[1].ssd);
    CHECK(virtio.drives[1].serial == "DATA-1");
    CHECK(virtio.drives[1].format == DriveFormat::Auto);

    const StorageGroup& ide = s.storage[2];
    CHECK_FALSE(ide.controller.has_value());
    REQUIRE(ide.drives.size() == 1);
    CHECK(ide.drives[0].model == DriveModel::IdeCd);
    CHECK(ide.drives[0].readonly);

    CHECK(s.storage[3].drives.at(0).model == DriveModel::Nvme);
    CHECK_FALSE(s.storage[3].controller.has_value());
    CHECK(s.storage[4].controller == ControllerModel::Sata);
    CHECK(s.storage[4].drives.at(0).model == DriveModel::SataHd);
    CHECK(s.storage[4].drives.at(0).readonly);
}

TEST_CASE("disk and cdrom follow the devices section")
{
    const VmSpec s = parse_ok(R"(
devices: { disk: scsi-hd, cdrom: scsi-cd, scsi_controller: lsi }
storage:
  - { type: disk, file: /dev/vg/a }
  - { type: cdrom, file: /srv/a.iso }
)");
    REQUIRE(s.storage.size() == 1);
    CHECK(s.storage[0].controller == ControllerModel::Lsi);
    REQUIRE(s.storage[0].drives.size() == 2);
    CHECK(s.storage[0].drives[0].model == DriveModel::ScsiHd);
    CHECK(s.storage[0].drives[1].model == DriveModel::ScsiCd);
}

TEST_CASE("controller groups (the seed's second form)")
{
    const VmSpec s = parse_ok(R"(
storage:
  - controller: pvscsi
    drives:
      - { type: hd, file: /dev/vm1/vm-boot, discard: on, boot_index: 0 }
      - { type: cd, file: /srv/iso/win.iso }
  - { controller: sata, drives: [ { file: /dev/vm1/vm-data, create: no } ] }
  - { controller: ide, drives: [ { type: cd, file: /srv/iso/drivers.iso } ] }
  - { type: virtio-blk, file: /var/lib/img.raw, create: yes, size: 20G, format: raw }
)");
    REQUIRE(s.storage.size() == 4);
    CHECK_FALSE(s.storage[0].implicit);
    CHECK(s.storage[0].controller == ControllerModel::Pvscsi);
    REQUIRE(s.storage[0].drives.size() == 2);
    CHECK(s.storage[0].drives[0].model == DriveModel::ScsiHd);
    CHECK(s.storage[0].drives[0].discard == "unmap");
    CHECK(s.storage[0].drives[0].pos.line == 5);
    CHECK(s.storage[0].drives[1].model == DriveModel::ScsiCd);
    CHECK(s.storage[1].controller == ControllerModel::Sata);
    CHECK(s.storage[1].drives.at(0).model == DriveModel::SataHd);
    CHECK(s.storage[2].controller == ControllerModel::Ide);
    CHECK(s.storage[2].drives.at(0).model == DriveModel::IdeCd);
    CHECK(s.storage[3].implicit);
    CHECK(s.storage[3].drives.at(0).create);
    CHECK(s.storage[3].drives.at(0).size == 20ull << 30);
    CHECK(parse_ok("storage: [ { file: /a.img, create: yes, size: 1048576 } ]").storage[0].drives[0].size == 1048576);
}

TEST_CASE("storage rules")
{
    CHECK(problem("storage: [ { type: disk } ]") ==
          "vm.yaml:1:12: error: storage[0].file: file is required: the disk image or block device "
          "(such as /dev/vg0/vm-disk or /var/lib/images/vm.qcow2)");
    CHECK(problem("storage: [ { file: disk.img } ]") ==
          "vm.yaml:1:20: error: storage[0].file: expected an absolute path (starting with '/'), got 'disk.img'");
    CHECK(problem("storage: [ { file: /a.img, create: yes } ]") ==
          "vm.yaml:1:36: error: storage[0].create: create needs a size (add size, such as size: 32G)");
    CHECK(problem("storage: [ { file: /dev/vg/a, create: yes, size: 1G } ]") ==
          "vm.yaml:1:39: error: storage[0].create: block devices are not created; create only works for image files "
          "(create the volume yourself (such as with lvcreate) and remove create)");
    CHECK(problem("storage: [ { type: cdrom, file: /a.iso, create: yes, size: 1G } ]") ==
          "vm.yaml:1:49: error: storage[0].create: a cdrom cannot be created");
    CHECK(problem("storage: [ { type: ide-cd, file: /a.iso, readonly: no } ]") ==
          "vm.yaml:1:52: error: storage[0].readonly: a cdrom is always read-only");
    CHECK(problem("storage: [ { file: /a.img, size: 1G } ]") ==
          "vm.yaml:1:34: error: storage[0].size: size is only used with create: yes");
    CHECK(problem("storage: [ { file: /a.img, detect_zeroes: unmap } ]") ==
          "vm.yaml:1:43: error: storage[0].detect_zeroes: detect_zeroes: unmap needs discard: unmap (or on)");
    CHECK(problem("storage: [ { file: /a.img, serial: ABCDEFGHIJKLMNOPQRSTU } ]") ==
          "vm.yaml:1:36: error: storage[0].serial: a drive serial has at most 20 characters, this one has 21");
    CHECK(problem("storage: [ { file: /a.img, serial: \"a b\" } ]").find("expected letters, digits") != std::string::npos);
    CHECK(problem("storage: [ { file: /a.img, boot_index: 100 } ]").find("out of range (expected 0 to 99)") !=
          std::string::npos);
    CHECK(problem("storage: [ { file: /a.img, boot_index: 1 }, { file: /b.img, boot_index: 1 } ]") ==
          "vm.yaml:1:73: error: storage[1].boot_index: boot_index 1 is already used by storage[0]");
    CHECK(problem("storage: [ { file: /a.img }, { controller: sata, drives: [ { file: /a.img } ] } ]") ==
          "vm.yaml:1:68: error: storage[1].drives[0].file: /a.img is already used by storage[0] "
          "(a file can be shared only by read-only drives)");
    CHECK(parse("storage: [ { type: cdrom, file: /a.iso }, { type: scsi-cd, file: /a.iso } ]").diags.empty());
    CHECK(problem("storage: [ { file: /a.img, discard: yes please } ]") ==
          "vm.yaml:1:37: error: storage[0].discard: 'yes please' is not a valid choice "
          "(expected one of: on, off, unmap, ignore)");
    CHECK(problem("storage: [ { file: /a.img, format: qcow } ]") ==
          "vm.yaml:1:36: error: storage[0].format: 'qcow' is not a valid choice (did you mean 'qcow2'?)");
    CHECK(problem("storage: [ { type: scsi-hdd, file: /a.img } ]") ==
          "vm.yaml:1:20: error: storage[0].type: 'scsi-hdd' is not a valid choice (did you mean 'scsi-hd'?)");
    CHECK(problem("storage: [ { file: /a.img, cach: none } ]") ==
          "vm.yaml:1:28: error: storage[0].cach: unknown key (did you mean 'cache'?)");
}

TEST_CASE("controller group rules")
{
    CHECK(problem("storage: [ { drives: [ { file: /a.img } ] } ]") ==
          "vm.yaml:1:12: error: storage[0].controller: a drive group needs a controller "
          "(one of: virtio-scsi, pvscsi, lsi, sata, ide)");
    CHECK(problem("storage: [ { controller: sata } ]").find("storage[0].drives: a controller group needs its drives") !=
          std::string::npos);
    CHECK(problem("storage: [ { controller: sata, drives: [ { type: disk, file: /a.img } ] } ]") ==
          "vm.yaml:1:50: error: storage[0].drives[0].type: 'disk' is not a valid choice (expected one of: hd, cd)");
    CHECK(problems("storage: [ { controller: sata, file: /a.img } ]") ==
          std::vector<std::string>{
              "vm.yaml:1:12: error: storage[0].drives: a controller group needs its drives "
              "(such as drives: [ { file: /dev/vg0/vm-disk } ])",
              "vm.yaml:1:32: error: storage[0].file: unknown key (expected one of: controller, iothread, queues, drives)"});
    // the drives of a group with a bad controller are still checked
    const auto d = problems("storage: [ { controller: scsi, drives: [ { file: a.img } ] } ]");
    REQUIRE(d.size() == 2);
    CHECK(d[0].find("storage[0].controller: 'scsi' is not a valid choice") != std::string::npos);
    CHECK(d[1].find("storage[0].drives[0].file: expected an absolute path") != std::string::npos);
}

TEST_CASE("i440fx has four IDE drives")
{
    const std::string four = R"(
system: { chipset: i440fx }
storage:
  - { type: ide-hd, file: /a.img }
  - { type: ide-cd, file: /b.iso }
  - { controller: ide, drives: [ { file: /c.img }, { type: cd, file: /d.iso } ] }
)";
    CHECK(parse(four).diags.empty());
    CHECK(problem(four + "  - { type: ide-hd, file: /e.img }\n") ==
          "vm.yaml:7:5: error: storage[3]: i440fx has 4 IDE slots and they are all taken "
          "(use virtio-blk or a SCSI or SATA controller)");
}
