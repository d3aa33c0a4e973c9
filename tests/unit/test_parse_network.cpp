// parse_spec: network.
#include "parse_fixture.hpp"

using namespace ezkvm::config;
using namespace parse_test;

TEST_CASE("NICs in the seed's form and every type")
{
    const VmSpec s = parse_ok(R"(
network:
  - { type: bridge, bridge: vmbr1, driver: virtio-net-pci, mac: "BC:24:11:3A:21:B7" }
  - { type: bridge }
  - { type: nat, driver: virtio, mac: bc-24-11-00-00-01 }
  - { }
  - { type: user, forward: [ "tcp:2222:22", "udp:127.0.0.1:5353:53" ] }
  - { type: tap, ifname: tap-vm0, driver: e1000 }
  - { type: macvtap, parent: enp3s0 }
  - { type: passt, forward: [ tcp:8080:80 ] }
)");
    REQUIRE(s.network.size() == 8);
    CHECK(s.network[0].type == NetType::Bridge);
    CHECK(s.network[0].bridge == "vmbr1");
    CHECK(s.network[0].driver == "virtio-net-pci");
    CHECK(s.network[0].mac == "bc:24:11:3a:21:b7");
    CHECK(s.network[0].pos.line == 3);
    CHECK(s.network[1].bridge == "vmbr0");
    CHECK(s.network[1].driver.empty());
    CHECK(s.network[1].mac.empty());
    CHECK(s.network[2].type == NetType::Nat);
    CHECK(s.network[2].bridge == "ezkvm0");
    CHECK(s.network[2].driver == "virtio-net-pci");
    CHECK(s.network[2].mac == "bc:24:11:00:00:01");
    CHECK(s.network[3].type == NetType::Nat);  // the default network
    CHECK(s.network[3].bridge == "ezkvm0");
    REQUIRE(s.network[4].forwards.size() == 2);
    CHECK(s.network[4].forwards[0].proto == "tcp");
    CHECK(s.network[4].forwards[0].host_addr.empty());
    CHECK(s.network[4].forwards[0].host_port == 2222);
    CHECK(s.network[4].forwards[0].guest_port == 22);
    CHECK(s.network[4].forwards[1].proto == "udp");
    CHECK(s.network[4].forwards[1].host_addr == "127.0.0.1");
    CHECK(s.network[4].forwards[1].host_port == 5353);
    CHECK(s.network[4].forwards[1].guest_port == 53);
    CHECK(s.network[5].type == NetType::Tap);
    CHECK(s.network[5].ifname == "tap-vm0");
    CHECK(s.network[5].driver == "e1000");
    CHECK(s.network[6].type == NetType::Macvtap);
    CHECK(s.network[6].parent == "enp3s0");
    CHECK(s.network[7].type == NetType::Passt);
    CHECK(s.network[7].forwards.size() == 1);
}

TEST_CASE("network rules")
{
    CHECK(problem("network: [ { mac: \"bc:24:11:3a:21\" } ]") ==
          "vm.yaml:1:19: error: network[0].mac: expected a MAC address such as bc:24:11:3a:21:b7, got 'bc:24:11:3a:21'");
    CHECK(problem("network: [ { mac: \"01:24:11:3a:21:b7\" } ]") ==
          "vm.yaml:1:19: error: network[0].mac: 01:24:11:3a:21:b7 is a multicast address "
          "(the lowest bit of the first byte must be 0, such as bc:24:11:...)");
    CHECK(problem("network: [ { mac: \"00:00:00:00:00:00\" } ]") ==
          "vm.yaml:1:19: error: network[0].mac: 00:00:00:00:00:00 is not a usable MAC address");
    CHECK(problem("network: [ { mac: \"BC:24:11:3A:21:B7\" }, { mac: bc-24-11-3a-21-b7 } ]") ==
          "vm.yaml:1:49: error: network[1].mac: bc:24:11:3a:21:b7 is already used by network[0].mac");
    CHECK(problem("network: [ { type: user, bridge: vmbr0 } ]") ==
          "vm.yaml:1:34: error: network[0].bridge: bridge is only used with type bridge or nat");
    CHECK(problem("network: [ { type: bridge, bridge: \"vmbr 0\" } ]") ==
          "vm.yaml:1:36: error: network[0].bridge: expected an interface name (up to 15 letters, digits, '.', '_', "
          "'-'), got 'vmbr 0'");
    CHECK(problem("network: [ { type: tap } ]") ==
          "vm.yaml:1:12: error: network[0].ifname: a tap NIC needs ifname: the name of an existing tap device");
    CHECK(problem("network: [ { type: macvtap } ]").find("network[0].parent: a macvtap NIC needs parent") !=
          std::string::npos);
    CHECK(problem("network: [ { type: user, ifname: tap0 } ]").find("ifname is only used with type tap") !=
          std::string::npos);
    CHECK(problem("network: [ { type: bridge, forward: [ tcp:22:22 ] } ]") ==
          "vm.yaml:1:37: error: network[0].forward: forward is only used with type user or passt");
    CHECK(problem("network: [ { type: user, forward: [ tcp:22 ] } ]") ==
          "vm.yaml:1:37: error: network[0].forward[0]: expected proto:[host_addr:]host_port:guest_port, got 'tcp:22' "
          "(such as tcp:2222:22 or tcp:127.0.0.1:8080:80; proto is tcp or udp)");
    CHECK(problem("network: [ { type: user, forward: [ sctp:1:2 ] } ]").find("expected proto:") != std::string::npos);
    CHECK(problem("network: [ { type: user, forward: [ tcp:70000:2 ] } ]").find("expected proto:") != std::string::npos);
    CHECK(problem("network: [ { type: user, forward: [ tcp:2222:22, tcp:2222:23 ] } ]") ==
          "vm.yaml:1:50: error: network[0].forward[1]: host port 2222/tcp is forwarded twice");
    CHECK(problem("network: [ { driver: virtio-net } ]").find("'virtio-net' is not a valid choice") !=
          std::string::npos);
    CHECK(problem("network: [ { type: bridged } ]") ==
          "vm.yaml:1:20: error: network[0].type: 'bridged' is not a valid choice (did you mean 'bridge'?)");
    CHECK(problem("network: { type: user }") == "vm.yaml:1:10: error: network: expected a list, got a mapping");
}
