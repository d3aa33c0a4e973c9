#include <catch2/catch.hpp>

#include <algorithm>

#include "test_qemu_support.hpp"

using namespace ezkvm;
using namespace ezkvm::qemu;
using config::NetType;

namespace {

config::Nic nic(NetType type)
{
    config::Nic n;
    n.type = type;
    if (type == NetType::Tap)
        n.ifname = "tap0";
    if (type == NetType::Macvtap)
        n.parent = "eth0";
    return n;
}

test::Built build_with_vhost_net(const config::VmSpec& spec, bool vhost_net, Scope scope = Scope::System)
{
    CommandInput input;
    input.scope = scope;
    input.spec = &spec;
    input.paths = VmPaths{"/run/ezkvm/vm", "/var/lib/ezkvm/vm", "/run/credentials/ezkvm@vm.service"};
    input.firmware = test::fake_ovmf();
    input.vhost_net = vhost_net;
    test::Built b;
    b.command = build_command(input, b.diags);
    return b;
}

}  // namespace

TEST_CASE("vhost-net: on for tap-based NICs where the host has it, unless the NIC says no")
{
    auto spec = test::base_spec();
    auto off = nic(NetType::Bridge);
    off.vhost = false;
    spec.network = {nic(NetType::Nat), nic(NetType::Tap), nic(NetType::Macvtap), nic(NetType::User), off};
    const auto with = build_with_vhost_net(spec, true);
    REQUIRE_FALSE(with.diags.has_errors());
    const auto netdevs = test::values(with.argv(), "-netdev");
    REQUIRE(netdevs.size() == 5);
    CHECK(netdevs[0].ends_with(",vhost=on"));
    CHECK(netdevs[1].ends_with(",vhost=on"));
    CHECK(netdevs[2] == "tap,id=net2,fd=3,vhost=on");
    CHECK(netdevs[3] == "user,id=net3");
    CHECK(netdevs[4].find("vhost") == std::string::npos);
    CHECK(test::uses(with, "/dev/vhost-net") == 1);

    const auto without = build_with_vhost_net(spec, false);
    for (const auto& netdev : test::values(without.argv(), "-netdev"))
        CHECK(netdev.find("vhost") == std::string::npos);
    CHECK(test::uses(without, "/dev/vhost-net") == 0);

    // Under TCG only where the NIC asks for it.
    spec.general.accel = config::Accel::Tcg;
    spec.network[1].vhost = true;
    const auto tcg = build_with_vhost_net(spec, true);
    const auto tcg_netdevs = test::values(tcg.argv(), "-netdev");
    REQUIRE(tcg_netdevs.size() == 5);
    CHECK(tcg_netdevs[0].find("vhost") == std::string::npos);
    CHECK(tcg_netdevs[1].ends_with(",vhost=on"));
}

TEST_CASE("multiqueue: tap queues, one macvtap fd per queue, vectors 2N+2")
{
    auto spec = test::base_spec();
    auto tap = nic(NetType::Nat);
    tap.queues = 3;
    auto macvtap = nic(NetType::Macvtap);
    macvtap.queues = 2;
    spec.network = {tap, macvtap};
    const auto b = build_with_vhost_net(spec, false);
    REQUIRE_FALSE(b.diags.has_errors());
    const auto netdevs = test::values(b.argv(), "-netdev");
    CHECK(netdevs[0].ends_with(",queues=3"));
    CHECK(netdevs[1] == "tap,id=net1,fds=3:4");
    CHECK(b.command.macvtaps.size() == 2);
    const auto devices = test::values(b.argv(), "-device");
    CHECK(std::count_if(devices.begin(), devices.end(),
                        [](const std::string& d) { return d.find("mq=on,vectors=8") != std::string::npos; }) == 1);
    CHECK(std::count_if(devices.begin(), devices.end(),
                        [](const std::string& d) { return d.find("mq=on,vectors=6") != std::string::npos; }) == 1);
}

TEST_CASE("a user VM's bridge and nat NICs get handed taps, numbered after each other; one queue each")
{
    auto spec = test::base_spec();
    auto lan = nic(NetType::Bridge);
    lan.bridge = "br0";
    auto nat = nic(NetType::Nat);
    nat.bridge = "ezkvm0";
    spec.network = {nic(NetType::User), lan, nat};
    const auto user = build_with_vhost_net(spec, false, Scope::User);
    REQUIRE_FALSE(user.diags.has_errors());
    const auto netdevs = test::values(user.argv(), "-netdev");
    REQUIRE(netdevs.size() == 3);
    CHECK(netdevs[1] == "tap,id=net1,fd=3");
    CHECK(netdevs[2] == "tap,id=net2,fd=4");
    REQUIRE(user.command.bridge_taps.size() == 2);
    CHECK(user.command.bridge_taps[0].nic == 1);
    CHECK(user.command.bridge_taps[0].bridge == "br0");
    CHECK(user.command.bridge_taps[1].bridge == "ezkvm0");

    const auto system = build_with_vhost_net(spec, false, Scope::System);
    CHECK(system.command.bridge_taps.empty());
    CHECK(test::values(system.argv(), "-netdev")[1].find("ifname=") != std::string::npos);

    spec.network[1].queues = 2;
    const auto multi = build_with_vhost_net(spec, false, Scope::User);
    REQUIRE(multi.diags.has_errors());
    CHECK(multi.diags.items().front().path == "network[1].queues");
}
