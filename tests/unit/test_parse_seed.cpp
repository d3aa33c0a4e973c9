// Whole VM files as the seed's users write them parse without a single diagnostic.
#include "parse_fixture.hpp"

using namespace ezkvm::config;
using namespace parse_test;

TEST_CASE("a seed Windows VM with GPU passthrough and looking glass")
{
    const VmSpec s = parse_ok(R"(
general:
  name: vm
  agent: yes
  monitor: no
system:
  chipset: { type: "q35", version: "8.1" }
  bios: { type: "ovmf", uuid: "9A6B0C3E-1F2D-4E5A-8B7C-6D5E4F3A2B1C", file: "/dev/vm1/win11-efidisk" }
  cpu: { cores: 8 }
  memory: { max: 16384, balloon: no }
  tpm: { type: swtpm, version: 2.0, disk: /dev/vm1/win11-tpm, socket: /run/ezkvm-old/win11-tpm.sock }
spice:
  path: /run/user/1000/win11/spice.sock
  gl: on
  render_node: /dev/dri/renderD128
gpu:
  type: passthrough
  pcie: { }
  pci:
    - { vm_id: "0.0", host_id: "0000:03:00.0", multi_function: true }
    - { vm_id: "0.1", host_id: "0000:03:00.1" }
display:
  type: looking_glass
  device: { path: /dev/kvmfr0, size: 128M }
  input: { grab_keyboard: yes, escape_key: KEY_F12 }
  window: { size: 1707x1067, full_screen: off }
host:
  usb:
    - { vm_port: "1", host_bus: "1", host_port: "2.2" }
  pci:
    - { host_id: "0000:0a:00.0" }
storage:
  - { type: scsi-hd, file: /dev/vm1/win11-boot, discard: "on", boot_index: 0 }
  - { type: ide-cd, file: /srv/iso/virtio-win.iso }
network:
  - { type: bridge, bridge: vmbr0, driver: virtio-net-pci, mac: "BC:24:11:3A:21:B7" }
)");
    CHECK(s.general.agent);
    CHECK(s.system.bios.uuid == "9a6b0c3e-1f2d-4e5a-8b7c-6d5e4f3a2b1c");
    CHECK(s.spice.enabled);
    CHECK(s.spice.gl);
    CHECK(s.gpu.type == GpuType::Passthrough);
    CHECK(s.gpu.pcie);
    CHECK(s.gpu.pci.size() == 2);
    CHECK(s.display.type == DisplayType::LookingGlass);
    CHECK(s.host.usb.size() == 1);
    CHECK(s.host.pci.size() == 1);
    CHECK(s.storage.size() == 2);
    CHECK(s.network.at(0).mac == "bc:24:11:3a:21:b7");
}

TEST_CASE("a seed controller-group VM with remote-viewer and virtio GL")
{
    const Parsed p = parse(R"(
general: { name: vm }
system:
  chipset: { type: i440fx }
  bios: { type: seabios }
  cpu: { model: qemu64, sockets: 1, cores: 2, flags: "+aes,+pni,+popcnt,+sse4.1,+sse4.2,+ssse3,enforce" }
  memory: { max: 2048 }
spice: { port: 5930, addr: 127.0.0.1 }
gpu: { type: virtio, gl: yes }
display: { type: remote-viewer }
storage:
  - controller: virtio-scsi
    drives:
      - { type: hd, file: /dev/vm1/vm-boot, discard: on, cache: none, boot_index: 0 }
      - { type: cd, file: /srv/iso/debian.iso, boot_index: 1 }
network:
  - { type: bridge }
)");
    // The seed's SPICE on loopback TCP without a password: a warning (finding 13), nothing else.
    REQUIRE(p.diags.size() == 1);
    CHECK(p.diags[0].find("SPICE listens on TCP 127.0.0.1:5930 without a password") != std::string::npos);
    const VmSpec& s = p.spec;
    CHECK(s.system.chipset.type == Chipset::I440fx);
    CHECK(s.spice.port == 5930);
    CHECK(s.display.type == DisplayType::RemoteViewer);
    REQUIRE(s.storage.size() == 1);
    CHECK(s.storage[0].drives.size() == 2);
    CHECK(s.network.at(0).bridge == "vmbr0");
}
