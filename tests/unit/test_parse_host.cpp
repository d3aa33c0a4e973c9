// parse_spec: host.usb, host.pci and the identifier checks behind them.
#include "parse_fixture.hpp"

#include "config/parse_internal.hpp"

using namespace ezkvm::config;
using namespace ezkvm::config::detail;
using namespace parse_test;

TEST_CASE("host usb devices by bus/port (the seed) and by id")
{
    const VmSpec s = parse_ok(R"(
host:
  usb:
    - { vm_port: "1", host_bus: "1", host_port: "2.2" }
    - { vm_port: 1.2, id: "046D:C52B" }
    - { host_bus: 003, host_port: 4 }
)");
    REQUIRE(s.host.usb.size() == 3);
    CHECK(s.host.usb[0].vm_port == "1");
    CHECK(s.host.usb[0].host_bus == "1");
    CHECK(s.host.usb[0].host_port == "2.2");
    CHECK(s.host.usb[0].vendor_id.empty());
    CHECK(s.host.usb[0].pos.line == 4);
    CHECK(s.host.usb[1].vm_port == "1.2");
    CHECK(s.host.usb[1].vendor_id == "046d");
    CHECK(s.host.usb[1].product_id == "c52b");
    CHECK(s.host.usb[1].host_bus.empty());
    CHECK(s.host.usb[2].vm_port.empty());
    CHECK(s.host.usb[2].host_bus == "3");
}

TEST_CASE("host usb rules")
{
    CHECK(problem("host: { usb: [ { host_bus: 1, host_port: 2, id: \"046d:c52b\" } ] }") ==
          "vm.yaml:1:49: error: host.usb[0].id: give either host_bus + host_port or id, not both");
    CHECK(problem("host: { usb: [ { vm_port: 1 } ] }") ==
          "vm.yaml:1:16: error: host.usb[0]: a host USB device needs host_bus + host_port or id "
          "(such as { host_bus: 1, host_port: 2.2 } or { id: \"046d:c52b\" })");
    CHECK(problem("host: { usb: [ { host_bus: 1 } ] }") ==
          "vm.yaml:1:16: error: host.usb[0].host_port: host_bus needs host_port too");
    CHECK(problem("host: { usb: [ { id: 46d:c52b } ] }") ==
          "vm.yaml:1:22: error: host.usb[0].id: expected vendor:product, 4 hex digits each, such as 046d:c52b, "
          "got '46d:c52b'");
    CHECK(problem("host: { usb: [ { host_bus: 1, host_port: 2..2 } ] }").find("expected a USB port path") !=
          std::string::npos);
    CHECK(problem("host: { usb: [ { vm_port: 1, id: 0001:0002 }, { vm_port: 1, id: 0001:0003 } ] }") ==
          "vm.yaml:1:58: error: host.usb[1].vm_port: guest USB port 1 is already used by host.usb[0].vm_port");
    CHECK(problem("usb: { controller: none }\nhost: { usb: [ { id: 0001:0002 } ] }") ==
          "vm.yaml:2:14: error: host.usb: host USB devices need a USB controller (set usb.controller: xhci)");
    CHECK(problem("host: { usb: [ ~ ] }") ==
          "vm.yaml:1:16: error: host.usb[0]: expected a mapping of keys, got an empty item");
}

TEST_CASE("host pci devices and their rules")
{
    const VmSpec s = parse_ok(R"(
gpu:
  type: passthrough
  pci: [ { host_id: "0000:03:00.0", vm_id: "0.0" } ]
host:
  pci:
    - { host_id: "0000:0A:00.0", vm_id: "1f.7" }
    - { host_id: "abcd:0b:1f.3" }
)");
    REQUIRE(s.host.pci.size() == 2);
    CHECK(s.host.pci[0].host_id == "0000:0a:00.0");
    CHECK(s.host.pci[0].vm_slot == 0x1f);
    CHECK(s.host.pci[0].vm_function == 7);
    CHECK(s.host.pci[1].host_id == "abcd:0b:1f.3");
    CHECK_FALSE(s.host.pci[1].vm_id_given);

    CHECK(problem("gpu: { type: passthrough, pci: [ { host_id: 03:00.0 } ] }\nhost: { pci: [ { host_id: 0000:03:00.0 } ] }") ==
          "vm.yaml:2:27: error: host.pci[0].host_id: 0000:03:00.0 is already passed through by gpu.pci[0].host_id");
    CHECK(problem("host: { pci: [ { host_id: 01:00.0, vm_id: 2.0 }, { host_id: 02:00.0, vm_id: \"2.0\" } ] }") ==
          "vm.yaml:1:77: error: host.pci[1].vm_id: guest slot.function 2.0 is already used by host.pci[0].vm_id");
    CHECK(problem("host: { pci: [ { host_id: 3:00.0 } ] }") ==
          "vm.yaml:1:27: error: host.pci[0].host_id: expected a PCI address such as 0000:03:00.0, got '3:00.0'");
    CHECK(problem("host: { pci: [ { vm_id: 1.0 } ] }") ==
          "vm.yaml:1:16: error: host.pci[0].host_id: host_id is required: the host PCI address to pass through "
          "(find it with lspci -D, such as 0000:03:00.0)");
    CHECK(problem("host: { pci: [ { host_id: 01:00.0, vm_id: 20.0 } ] }") ==
          "vm.yaml:1:43: error: host.pci[0].vm_id: expected a guest slot.function such as 0.0 or 1f.1, got '20.0' "
          "(slot is hex 0 to 1f, function 0 to 7)");
    CHECK(problem("host: { pci: [ { host_id: 01:00.0, romfile: vbios.rom } ] }").find("expected an absolute path") !=
          std::string::npos);
    CHECK(problem("host: { pci: { host_id: 01:00.0 } }") ==
          "vm.yaml:1:14: error: host.pci: expected a list, got a mapping");
}

TEST_CASE("PCI addresses and guest slots")
{
    CHECK(normalise_pci_address("03:00.0") == "0000:03:00.0");
    CHECK(normalise_pci_address("0000:03:00.1") == "0000:03:00.1");
    CHECK(normalise_pci_address("ABCD:EF:1F.7") == "abcd:ef:1f.7");
    CHECK_FALSE(normalise_pci_address("03:20.0"));  // device is 5 bits
    CHECK_FALSE(normalise_pci_address("03:00.8"));
    CHECK_FALSE(normalise_pci_address("3:00.0"));
    CHECK_FALSE(normalise_pci_address("000:03:00.0"));
    CHECK_FALSE(normalise_pci_address("0000:03:00.0 "));
    CHECK(parse_vm_pci_id("0.0") == std::pair{0u, 0u});
    CHECK(parse_vm_pci_id("1F.7") == std::pair{0x1fu, 7u});
    CHECK_FALSE(parse_vm_pci_id("20.0"));
    CHECK_FALSE(parse_vm_pci_id("1.8"));
    CHECK_FALSE(parse_vm_pci_id("1"));
}

TEST_CASE("MAC addresses, UUIDs, USB ids")
{
    CHECK(normalise_mac("BC:24:11:3A:21:B7") == "bc:24:11:3a:21:b7");
    CHECK(normalise_mac("bc-24-11-3a-21-b7") == "bc:24:11:3a:21:b7");
    CHECK_FALSE(normalise_mac("bc:24:11:3a:21"));
    CHECK_FALSE(normalise_mac("bc:24:11:3a:21:b7:00"));
    CHECK_FALSE(normalise_mac("bc24113a21b7"));
    CHECK_FALSE(normalise_mac("gc:24:11:3a:21:b7"));
    CHECK(mac_is_multicast("01:00:5e:00:00:01"));
    CHECK(mac_is_multicast("ff:ff:ff:ff:ff:ff"));
    CHECK_FALSE(mac_is_multicast("bc:24:11:3a:21:b7"));
    CHECK(mac_is_zero("00:00:00:00:00:00"));
    CHECK(normalise_uuid("5C4E7C1A-2B8E-4F6A-9D3B-0E1F2A3B4C5D") == "5c4e7c1a-2b8e-4f6a-9d3b-0e1f2a3b4c5d");
    CHECK_FALSE(normalise_uuid("5c4e7c1a2b8e4f6a9d3b0e1f2a3b4c5d"));
    CHECK_FALSE(normalise_uuid("{5c4e7c1a-2b8e-4f6a-9d3b-0e1f2a3b4c5d}"));
    CHECK(normalise_usb_id("046D:C52B") == "046d:c52b");
    CHECK_FALSE(normalise_usb_id("46d:c52b"));
    CHECK(valid_usb_port("1"));
    CHECK(valid_usb_port("2.2.1"));
    CHECK_FALSE(valid_usb_port("0"));
    CHECK_FALSE(valid_usb_port("1."));
}

TEST_CASE("names and addresses")
{
    CHECK(valid_interface_name("vmbr0"));
    CHECK(valid_interface_name("enp3s0f1.100"));
    CHECK_FALSE(valid_interface_name("a-very-long-name"));  // 16 characters
    CHECK_FALSE(valid_interface_name("."));
    CHECK_FALSE(valid_interface_name(".."));
    CHECK_FALSE(valid_interface_name("br/0"));
    CHECK_FALSE(valid_interface_name(""));
    CHECK(valid_user_name("ezkvm"));
    CHECK(valid_user_name("_svc-1$"));
    CHECK_FALSE(valid_user_name("1user"));
    CHECK_FALSE(valid_user_name(std::string(33, 'a')));
    CHECK(valid_listen_address("0.0.0.0"));
    CHECK(valid_listen_address("fe80::1"));
    CHECK(valid_listen_address("vm-host.example.org"));
    CHECK_FALSE(valid_listen_address("1.2.3"));
    CHECK_FALSE(valid_listen_address("-host"));
    CHECK_FALSE(valid_listen_address("a b"));
    CHECK(is_loopback("127.0.0.1"));
    CHECK(is_loopback("127.1.2.3"));
    CHECK(is_loopback("::1"));
    CHECK(is_loopback("LocalHost"));
    CHECK_FALSE(is_loopback("0.0.0.0"));
    CHECK_FALSE(is_loopback("127.example.org"));
}
