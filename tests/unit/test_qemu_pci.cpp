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

TEST_CASE("the allocator hands out the chipset's free root-bus slots in order")
{
    PciAllocator q35(config::Chipset::Q35);
    CHECK(q35.root_bus() == "pcie.0");
    CHECK(q35.capacity() == 30);
    CHECK(q35.next_slot().addr() == "0x01");
    CHECK(q35.next_slot().addr() == "0x02");

    PciAllocator pc(config::Chipset::I440fx);
    CHECK(pc.root_bus() == "pci.0");
    CHECK(pc.capacity() == 30);
    const auto first = pc.next_slot();
    CHECK(first.bus == "pci.0");
    CHECK(first.addr() == "0x02");
}

TEST_CASE("root ports get unique chassis and port numbers and their own slot")
{
    PciAllocator pci(config::Chipset::Q35);
    const auto a = pci.next_root_port();
    const auto b = pci.next_root_port();
    CHECK(a.id == "rp1");
    CHECK(b.id == "rp2");
    CHECK(a.chassis != b.chassis);
    CHECK(a.port != b.port);
    CHECK(a.at.addr() != b.at.addr());
    CHECK(PciAllocator::behind(a, 1).addr() == "0x0.1");
    CHECK(PciAllocator::behind(a).bus == "rp1");
}

TEST_CASE("exceeding the root bus is an error naming how many slots were requested")
{
    PciAllocator pci(config::Chipset::Q35);
    for (int i = 0; i < 30; ++i)
        pci.next_slot();
    Diagnostics ok;
    pci.report(ok);
    CHECK(ok.empty());
    pci.next_slot();
    pci.next_slot();
    Diagnostics diags;
    pci.report(diags);
    REQUIRE(diags.error_count() == 1);
    CHECK(diags.items()[0].message.find("32 need a slot") != std::string::npos);

    auto spec = test::base_spec();
    spec.network.resize(31);
    const auto b = test::build(spec);
    CHECK(test::has_error(b.diags, "too many PCI devices: 33"));  // 31 NICs, VGA and balloon
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
    CHECK(ports[0].get("addr") == "0x01");
    CHECK(ports[0].get("id") == "rp1");
    CHECK(ports[0].get("chassis") == "1");
    CHECK(ports[2].get("port") == "3");

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
    CHECK(vfio[2].get("bus") == "rp2");
    CHECK_FALSE(vfio[2].get("multifunction"));
    CHECK(vfio[3].get("bus") == "rp3");
}

TEST_CASE("i440fx passthrough: functions directly in one root-bus slot")
{
    const auto spec = busy_spec(config::Chipset::I440fx);
    const auto b = test::build(spec);
    CHECK(test::devices(b.argv(), "pcie-root-port").empty());
    const auto vfio = test::devices(b.argv(), "vfio-pci");
    REQUIRE(vfio.size() == 4);
    CHECK(vfio[0].get("bus") == "pci.0");
    CHECK(vfio[0].get("addr") == "0x02.0");
    CHECK(vfio[1].get("addr") == "0x02.1");
    // host.pci comes after the other sections' devices (0x03-0x0d here)
    CHECK(vfio[2].get("addr") == "0x0e.0");
    CHECK(vfio[3].get("addr") == "0x0f.0");
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
    CHECK(vfio[1].get("bus") == "rp1");
    CHECK(vfio[1].get("addr") == "0x0.2");
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
    CHECK(vga[0].get("bus") == "rp1");
    CHECK(vga[0].get("addr") == "0x0");

    spec.system.chipset.type = config::Chipset::I440fx;
    b = test::build(spec);
    CHECK(test::devices(b.argv(), "virtio-vga")[0].get("bus") == "pci.0");
    CHECK(b.diags.warning_count() == 1);
}
