#include <catch2/catch.hpp>

#include "test_qemu_support.hpp"

using namespace ezkvm;
using namespace ezkvm::qemu;

// A value can never add a property of its own: whatever it holds comes back
// out of qemu's option parser as exactly that one value.
TEST_CASE("commas in config values stay inside one property")
{
    auto spec = test::base_spec();
    spec.system.bios.file = "/vm/vars,if=pflash,unit=0";
    config::StorageGroup group;
    config::Drive drive;
    drive.file = "/vm/disk.raw,file=/etc/shadow";
    drive.serial = "ser,ial";
    group.drives.push_back(drive);
    spec.storage.push_back(group);
    config::Nic nic;
    nic.type = config::NetType::Tap;
    nic.ifname = "tap,script=/x";
    spec.network.push_back(nic);
    spec.spice.enabled = true;
    spec.spice.path = "/run/s,addr=0.0.0.0";

    const auto b = test::build(spec);
    REQUIRE_FALSE(b.diags.has_errors());

    const auto drives = test::values(b.argv(), "-drive");
    REQUIRE(drives.size() == 3);
    const auto vars = test::parse(drives[1]);
    CHECK(vars.get("file") == "/vm/vars,if=pflash,unit=0");
    CHECK(vars.count("if") == 1);
    CHECK(vars.get("unit") == "1");
    const auto disk = test::parse(drives[2]);
    CHECK(disk.get("file") == "/vm/disk.raw,file=/etc/shadow");
    CHECK(disk.count("file") == 1);
    CHECK(disk.get("format") == "raw");

    const auto blk = test::devices(b.argv(), "virtio-blk-pci");
    REQUIRE(blk.size() == 1);
    CHECK(blk[0].get("serial") == "ser,ial");

    const auto netdev = test::parse(test::values(b.argv(), "-netdev").at(0));
    CHECK(netdev.get("ifname") == "tap,script=/x");
    CHECK(netdev.get("script") == "no");
    CHECK(netdev.count("script") == 1);

    const auto spice = test::parse(test::values(b.argv(), "-spice").at(0));
    CHECK(spice.get("addr") == "/run/s,addr=0.0.0.0");
    CHECK(spice.count("addr") == 1);
}

TEST_CASE("runtime paths with commas are escaped too, raw options are not")
{
    auto spec = test::base_spec();
    spec.system.kernel.image = "/boot/vmlinuz,x";
    spec.system.kernel.cmdline = "console=ttyS0,115200 quiet";
    CommandInput input;
    input.spec = &spec;
    input.paths = VmPaths{"/run/a,b", "/var/lib/a,b", "/run/credentials/x"};
    input.firmware = test::fake_ovmf();
    Diagnostics diags;
    const auto plan = build_command(input, diags);
    const auto qmp = test::parse(test::values(plan.argv, "-chardev").at(0));
    CHECK(qmp.get("path") == "/run/a,b/qmp.sock");
    // -kernel and -append take their value verbatim.
    CHECK(test::has(plan.argv, "-kernel", "/boot/vmlinuz,x"));
    CHECK(test::has(plan.argv, "-append", "console=ttyS0,115200 quiet"));
}
