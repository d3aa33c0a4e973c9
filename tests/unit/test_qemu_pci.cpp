#include <catch2/catch.hpp>

#include <set>

#include "qemu/pci.hpp"
#include "test_qemu_support.hpp"

using namespace ezkvm;
using namespace ezkvm::qemu;

namespace {

config::PciFunction function(const std::string& host, unsigned slot, unsigned fn, bool given = true)
{
    config::PciFunction f;
    f.host_id = host;
    f.vm_slot = slot;
    f.vm_function = fn;
    f.vm_id_given = given;
    return f;
}

// A VM using most kinds of PCI devices at once.
config::VmSpec busy_spec(config::Chipset chipset)
{
    auto spec = test::base_spec();
    spec.system.chipset.type = chipset;
    spec.gpu.type = config::GpuType::Passthrough;
    spec.gpu.pci = {function("0000:03:00.0", 0, 0), function("0000:03:00.1", 0, 1)};
    spec.host.pci = {function("0000:05:00.0", 0, 0, false), function("0000:06:00.0", 0, 0, false)};
    spec.display.type = config::DisplayType::LookingGlass;
    spec.spice.enabled = true;
    spec.audio.device = config::AudioDevice::Hda;
    spec.audio.backend = config::AudioBackend::Spice;
    spec.usb.tablet = true;
    spec.general.agent = true;
    for (auto model : {config::ControllerModel::VirtioScsi, config::ControllerModel::Sata}) {
        config::StorageGroup g;
        g.controller = model;
        config::Drive d;
        d.file = "/vm/disk" + std::to_string(spec.storage.size());
        g.drives.push_back(d);
        spec.storage.push_back(g);
    }
    config::StorageGroup blk;
    for (int i = 0; i < 3; ++i) {
        config::Drive d;
        d.file = "/vm/blk" + std::to_string(i);
        d.model = i == 2 ? config::DriveModel::Nvme : config::DriveModel::VirtioBlk;
        blk.drives.push_back(d);
    }
    spec.storage.push_back(blk);
    spec.network.resize(3);
    return spec;
}

}  // namespace

TEST_CASE("each kind has its own slots, the same on both chipsets but for the first slot")
{
    PciAllocator q35(config::Chipset::Q35);
    CHECK(q35.root_bus() == "pcie.0");
    CHECK(q35.slot_for(PciKind::Display, 0).addr() == "0x01");
    CHECK(q35.slot_for(PciKind::Nic, 0).addr() == "0x13");
    CHECK(q35.slot_for(PciKind::Nic, 0).addr() == "0x13");  // asking again moves nothing
    CHECK(q35.slot_for(PciKind::Nic, 3).addr() == "0x16");
    CHECK(q35.slot_for(PciKind::Nic, 4).addr() == "0x13.1");  // past its slots: the next function
    CHECK(q35.slot_for(PciKind::Disk, 9).addr() == "0x0e.1");
    CHECK(q35.slot_for(PciKind::Input, 1).addr() == "0x12");

    PciAllocator pc(config::Chipset::I440fx);
    const auto first = pc.slot_for(PciKind::Display, 0);
    CHECK(first.bus == "pci.0");
    CHECK(first.addr() == "0x02");
    CHECK(pc.slot_for(PciKind::Nic, 0).addr() == "0x14");
    CHECK(pc.passthrough_slot(7).addr() == "0x1f");

    // The kinds' slots tile the root bus exactly.
    unsigned next = 0;
    for (const auto& kind : pci_layout()) {
        CHECK(kind.position == next);
        next += kind.slots;
    }
    CHECK(next == 30);
}

TEST_CASE("root ports: unique chassis and port numbers, passthrough slot n in a fixed place")
{
    PciAllocator pci(config::Chipset::Q35);
    const auto display = pci.display_root_port();
    const auto a = pci.passthrough_root_port(0);
    const auto b = pci.passthrough_root_port(1);
    const auto automatic = pci.passthrough_root_port(kPassthroughSlotsByVmId);
    CHECK(display.id == "rp0");
    CHECK(display.at.addr() == "0x01");
    CHECK(a.id == "rp1");
    CHECK(a.at.addr() == "0x17");
    CHECK(b.id == "rp2");
    CHECK(b.at.addr() == "0x17.1");
    CHECK(automatic.at.addr() == "0x1b");
    std::set<unsigned> chassis{display.chassis, a.chassis, b.chassis, automatic.chassis};
    CHECK(chassis.size() == 4);
    CHECK(PciAllocator::behind(a, 1).addr() == "0x0.1");
    CHECK(PciAllocator::behind(a).bus == "rp1");
    CHECK(pci.missing_port_functions().empty());

    PciAllocator gap(config::Chipset::Q35);
    gap.passthrough_root_port(2);
    const auto missing = gap.missing_port_functions();
    REQUIRE(missing.size() == 1);  // function 0 of 0x17 holds an empty port
    CHECK(missing[0].at.addr() == "0x17");
    CHECK(missing[0].id == "rp1");
}

TEST_CASE("a kind past its room is an error naming the kind")
{
    PciAllocator pci(config::Chipset::Q35);
    for (unsigned i = 0; i < 32; ++i)
        pci.slot_for(PciKind::Nic, i);
    Diagnostics ok;
    pci.report(ok);
    CHECK(ok.empty());
    pci.slot_for(PciKind::Nic, 32);
    Diagnostics diags;
    pci.report(diags);
    REQUIRE(diags.error_count() == 1);
    CHECK(diags.items()[0].message.find("the NICs have room for 32") != std::string::npos);

    auto spec = test::base_spec();
    spec.network.resize(33);
    const auto b = test::build(spec);
    CHECK(test::has_error(b.diags, "too many PCI devices: the NICs have room for 32"));
    spec.network.resize(32);
    CHECK_FALSE(test::build(spec).diags.has_errors());
}

TEST_CASE("no two devices share a bus address, on both chipsets")
{
    for (auto chipset : {config::Chipset::Q35, config::Chipset::I440fx}) {
        const auto spec = busy_spec(chipset);
        const auto b = test::build(spec);
        REQUIRE_FALSE(b.diags.has_errors());
        std::set<std::pair<std::string, std::string>> seen;
        size_t placed = 0;
        for (const auto& dev : test::devices(b.argv())) {
            if (!dev.get("addr"))
                continue;
            ++placed;
            CHECK(seen.insert({*dev.get("bus"), *dev.get("addr")}).second);
        }
        CHECK(placed >= 14);
    }
}

TEST_CASE("the display adapter takes the first slot")
{
    auto spec = test::base_spec();
    spec.network.resize(1);
    auto vga = test::devices(test::build(spec).argv(), "VGA");
    REQUIRE(vga.size() == 1);
    CHECK(vga[0].get("addr") == "0x01");
    spec.system.chipset.type = config::Chipset::I440fx;
    vga = test::devices(test::build(spec).argv(), "VGA");
    CHECK(vga[0].get("bus") == "pci.0");
    CHECK(vga[0].get("addr") == "0x02");
}

TEST_CASE("q35 passthrough: each guest slot behind its own root port, functions together")
{
    const auto spec = busy_spec(config::Chipset::Q35);
    const auto b = test::build(spec);
    const auto ports = test::devices(b.argv(), "pcie-root-port");
    REQUIRE(ports.size() == 3);  // the GPU's slot, and one for each host.pci item without vm_id
    CHECK(ports[0].get("addr") == "0x17");  // vm_id slot 0: passthrough slot 0
    CHECK(ports[0].get("id") == "rp1");
    CHECK(ports[0].get("chassis") == "2");
    CHECK(ports[1].get("addr") == "0x1b");  // no vm_id: the second half
    CHECK(ports[2].get("addr") == "0x1b.1");
    CHECK(ports[1].get("multifunction") == "on");

    const auto vfio = test::devices(b.argv(), "vfio-pci");
    REQUIRE(vfio.size() == 4);
    CHECK(vfio[0].get("host") == "0000:03:00.0");
    CHECK(vfio[0].get("bus") == "rp1");
    CHECK(vfio[0].get("addr") == "0x0.0");
    CHECK(vfio[0].get("multifunction") == "on");
    CHECK(vfio[1].get("host") == "0000:03:00.1");
    CHECK(vfio[1].get("bus") == "rp1");
    CHECK(vfio[1].get("addr") == "0x0.1");
    CHECK_FALSE(vfio[1].get("multifunction"));
    CHECK(vfio[2].get("bus") == "rp33");
    CHECK_FALSE(vfio[2].get("multifunction"));
    CHECK(vfio[3].get("bus") == "rp34");
}

TEST_CASE("i440fx passthrough: functions directly in one root-bus slot")
{
    const auto spec = busy_spec(config::Chipset::I440fx);
    const auto b = test::build(spec);
    CHECK(test::devices(b.argv(), "pcie-root-port").empty());
    const auto vfio = test::devices(b.argv(), "vfio-pci");
    REQUIRE(vfio.size() == 4);
    CHECK(vfio[0].get("bus") == "pci.0");
    CHECK(vfio[0].get("addr") == "0x18.0");  // vm_id slot 0: the first passthrough slot
    CHECK(vfio[1].get("addr") == "0x18.1");
    // without vm_id: the passthrough slots no vm_id claimed
    CHECK(vfio[2].get("addr") == "0x19.0");
    CHECK(vfio[3].get("addr") == "0x1a.0");
}

TEST_CASE("passthrough groups span gpu.pci and host.pci and need function 0")
{
    auto spec = test::base_spec();
    spec.gpu.type = config::GpuType::Passthrough;
    spec.gpu.pci = {function("0000:03:00.0", 1, 0)};
    spec.host.pci = {function("0000:03:00.2", 1, 2)};
    auto f = function("0000:07:00.0", 2, 0);
    f.multi_function = true;
    f.x_vga = true;
    f.romfile = "/usr/share/vbios,1.rom";
    spec.host.pci.push_back(f);
    auto b = test::build(spec);
    REQUIRE_FALSE(b.diags.has_errors());
    auto vfio = test::devices(b.argv(), "vfio-pci");
    REQUIRE(vfio.size() == 3);
    CHECK(vfio[1].get("host") == "0000:03:00.2");
    CHECK(vfio[1].get("bus") == "rp2");  // vm_id slot 1: the port at 0x17.1
    CHECK(vfio[1].get("addr") == "0x0.2");
    // Slot 0x17 needs its function 0 for the guest to see the ports at 0x17.1 and 0x17.2.
    const auto ports = test::devices(b.argv(), "pcie-root-port");
    REQUIRE(ports.size() == 3);
    CHECK(ports[0].get("addr") == "0x17.1");
    CHECK(ports[1].get("addr") == "0x17.2");
    CHECK(ports[2].get("id") == "rp1");
    CHECK(ports[2].get("addr") == "0x17");
    CHECK(ports[2].get("multifunction") == "on");
    CHECK(vfio[2].get("multifunction") == "on");  // asked for, though alone in its slot
    CHECK(vfio[2].get("x-vga") == "on");
    CHECK(vfio[2].get("romfile") == "/usr/share/vbios,1.rom");
    CHECK(test::uses(b, "/usr/share/vbios,1.rom") == 1);

    spec.gpu.pci = {function("0000:03:00.1", 1, 1)};
    spec.host.pci.clear();
    b = test::build(spec);
    CHECK(test::has_error(b.diags, "guest slot 1 has no function 0"));
}

TEST_CASE("gpu.pcie puts the display adapter behind a root port on q35 only")
{
    auto spec = test::base_spec();
    spec.gpu.type = config::GpuType::Virtio;
    spec.gpu.pcie = true;
    auto b = test::build(spec);
    auto vga = test::devices(b.argv(), "virtio-vga");
    REQUIRE(vga.size() == 1);
    CHECK(vga[0].get("bus") == "rp0");
    CHECK(vga[0].get("addr") == "0x0");
    CHECK(test::devices(b.argv(), "pcie-root-port")[0].get("addr") == "0x01");

    spec.system.chipset.type = config::Chipset::I440fx;
    b = test::build(spec);
    CHECK(test::devices(b.argv(), "virtio-vga")[0].get("bus") == "pci.0");
    CHECK(b.diags.warning_count() == 1);
}
