#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "net/links.hpp"
#include "parse_fixture.hpp"
#include "qemu/identity.hpp"

using namespace ezkvm;
using namespace ezkvm::net;

TEST_CASE("host links: a tap per bridge/nat NIC, a macvtap per macvtap NIC, nothing for the rest")
{
    auto parsed = parse_test::parse(R"(
network:
  - { type: user }
  - { type: bridge, bridge: vmbr0 }
  - { type: nat }
  - { type: passt }
  - { type: tap, ifname: mytap0 }
  - { type: macvtap, parent: eth0, mac: "bc:24:11:3a:21:b7" }
  - { type: macvtap, parent: eth1 }
)", "web");
    REQUIRE(parsed.diags.empty());
    const auto links = host_links(parsed.spec);
    REQUIRE(links.size() == 4);
    CHECK(links[0].kind == LinkKind::Tap);
    CHECK(links[0].nic == 1);
    CHECK(links[0].name == qemu::tap_name("web", 1));
    CHECK(links[0].bridge == "vmbr0");
    CHECK(links[1].nic == 2);
    CHECK(links[1].bridge == "ezkvm0");
    CHECK(links[2].kind == LinkKind::Macvtap);
    CHECK(links[2].name == qemu::macvtap_name("web", 5));
    CHECK(links[2].parent == "eth0");
    CHECK(links[2].mac == "bc:24:11:3a:21:b7");
    CHECK(links[3].mac == qemu::derived_mac("web", 6));  // the guest's MAC, derived like qemu's
}

TEST_CASE("link names are valid, unique and recognised for a 64-character VM name")
{
    const std::string vm(64, 'v');
    const std::string other = std::string(63, 'v') + "w";
    const std::regex valid("ez[0-9a-f]{8}[nm][0-9]{1,4}");
    std::set<std::string> names;
    for (unsigned i : {0u, 1u, 9u, 10u, 9999u}) {
        for (const auto& name : {qemu::tap_name(vm, i), qemu::macvtap_name(vm, i), qemu::tap_name(other, i)}) {
            CHECK(std::regex_match(name, valid));
            CHECK(name.size() <= 15);
            names.insert(name);
        }
        CHECK(is_vm_link(qemu::tap_name(vm, i), vm));
        CHECK(is_vm_link(qemu::macvtap_name(vm, i), vm));
        CHECK_FALSE(is_vm_link(qemu::tap_name(other, i), vm));
    }
    CHECK(names.size() == 15);
}

TEST_CASE("only ezkvm's own names count as a VM's links")
{
    const std::string tap = qemu::tap_name("web", 0);
    const std::string prefix = tap.substr(0, 10);
    CHECK_FALSE(is_vm_link("ezkvm0", "web"));
    CHECK_FALSE(is_vm_link(prefix, "web"));
    CHECK_FALSE(is_vm_link(prefix + "n", "web"));
    CHECK_FALSE(is_vm_link(prefix + "x0", "web"));
    CHECK_FALSE(is_vm_link(prefix + "n0a", "web"));
    CHECK_FALSE(is_vm_link("eth0", "web"));
    CHECK(is_vm_link(prefix + "n12", "web"));
}
