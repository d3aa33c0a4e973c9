#include <catch2/catch.hpp>

#include "config/passthrough.hpp"
#include "vfio/claims.hpp"
#include "vfio/group_rule.hpp"
#include "vfio_fixture.hpp"

using namespace ezkvm;
using ezkvm::test::FixtureKernel;
using ezkvm::test::TempDir;

TEST_CASE("passthrough addresses come from gpu.pci (passthrough only) and host.pci, in file order")
{
    config::VmSpec spec;
    config::PciFunction a, b, c;
    a.host_id = "0000:03:00.0";
    b.host_id = "0000:03:00.1";
    c.host_id = "0000:05:00.0";
    spec.gpu.pci = {a, b};
    spec.host.pci = {c};
    spec.gpu.type = config::GpuType::Std;
    CHECK(config::passthrough_addresses(spec) == std::vector<std::string>{"0000:05:00.0"});
    spec.gpu.type = config::GpuType::Passthrough;
    CHECK(config::passthrough_addresses(spec) ==
          std::vector<std::string>{"0000:03:00.0", "0000:03:00.1", "0000:05:00.0"});
}

TEST_CASE("claims: companions are what every VM naming a device passes through too")
{
    const vfio::Claims claims({{"a", {"x", "y", "z"}}, {"b", {"x", "y"}}, {"c", {"z"}}});
    CHECK(claims.vms_naming("x") == std::vector<std::string>{"a", "b"});
    CHECK(claims.vms_naming("z") == std::vector<std::string>{"a", "c"});
    CHECK(claims.always_with("x", "y"));
    CHECK_FALSE(claims.always_with("x", "z"));  // b does not pass z through
    CHECK_FALSE(claims.always_with("q", "x"));  // nobody names q
}

TEST_CASE("group rule: bridges and unbound devices never block, companions are bound first")
{
    TempDir dir;
    FixtureKernel kernel(dir.path());
    kernel.add_device("0000:00:1c.0", 0x060400, "4", "pcieport");
    kernel.add_device("0000:02:00.0", 0x030000, "4", "nouveau");
    kernel.add_device("0000:02:00.1", 0x040300, "4", "snd_hda_intel");
    kernel.add_device("0000:02:00.2", 0x0c0330, "4", "");
    const auto device = vfio::read_device(kernel, "0000:02:00.0");
    REQUIRE(device);
    CHECK(device->iommu_group == "4");
    CHECK_FALSE(device->is_bridge());
    CHECK(vfio::read_device(kernel, "0000:00:1c.0")->is_bridge());

    const auto decision =
        vfio::check_group(kernel, *device, vfio::Claims({{"vm", {"0000:02:00.0", "0000:02:00.1"}}}));
    CHECK_FALSE(decision.refusal);
    CHECK(decision.companions == std::vector<std::string>{"0000:02:00.1"});

    SECTION("a function one of two VMs leaves out blocks (and is not bound for the other)")
    {
        const auto shared = vfio::check_group(
            kernel, *device,
            vfio::Claims({{"vm", {"0000:02:00.0", "0000:02:00.1"}}, {"vm2", {"0000:02:00.0"}}}));
        REQUIRE(shared.refusal);
        CHECK(shared.refusal->find("0000:02:00.1 (driver snd_hda_intel), passed through by VM 'vm'") !=
              std::string::npos);
        CHECK(shared.refusal->find("(VMs 'vm', 'vm2' pass it through)") != std::string::npos);
        CHECK(shared.companions.empty());
    }
    SECTION("a device named by no VM file at all")
    {
        const auto alone = vfio::check_group(kernel, *device, vfio::Claims());
        REQUIRE(alone.refusal);
        CHECK(alone.refusal->find("no VM file names it") != std::string::npos);
    }
}
