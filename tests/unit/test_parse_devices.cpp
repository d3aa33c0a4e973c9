// parse_spec: devices, spice, vnc, gpu, display, audio, usb.
#include "parse_fixture.hpp"

using namespace ezkvm::config;
using namespace parse_test;

TEST_CASE("devices sets the default models")
{
    const VmSpec s = parse_ok("devices: { disk: sata-hd, cdrom: sata-cd, scsi_controller: pvscsi, nic: e1000e }");
    CHECK(s.devices.disk == "sata-hd");
    CHECK(s.devices.cdrom == "sata-cd");
    CHECK(s.devices.scsi_controller == "pvscsi");
    CHECK(s.devices.nic == "e1000e");
    CHECK(problem("devices: { nic: rtl8193 }") ==
          "vm.yaml:1:17: error: devices.nic: 'rtl8193' is not a valid choice (did you mean 'rtl8139'?)");
}

TEST_CASE("spice: the seed's unix socket with GL and TCP forms")
{
    VmSpec s = parse_ok("spice: { path: /run/user/1000/vm.sock, gl: on, render_node: /dev/dri/renderD128 }");
    CHECK(s.spice.enabled);
    CHECK(s.spice.path == "/run/user/1000/vm.sock");
    CHECK(s.spice.port == 0);
    CHECK(s.spice.addr.empty());
    CHECK(s.spice.gl);
    CHECK(s.spice.render_node == "/dev/dri/renderD128");

    s = parse_ok("spice: { port: 5930, addr: 127.0.0.1, password_credential: pw }");
    CHECK(s.spice.port == 5930);
    CHECK(s.spice.addr == "127.0.0.1");

    s = parse_ok("spice: { port: \"5930\", password_credential: pw }");
    CHECK(s.spice.addr == "127.0.0.1");  // never all interfaces by accident

    s = parse_ok("spice: { port: 5930, addr: 0.0.0.0, password_credential: spice-pw }");
    CHECK(s.spice.password_credential == "spice-pw");
    s = parse_ok("spice: { port: 5930, addr: ::1, password_file: /etc/ezkvm/pw }");
    CHECK(s.spice.addr == "::1");
    s = parse_ok("spice: { port: 5930, addr: localhost, password_file: /etc/ezkvm/pw }");
    CHECK(s.spice.password_file == "/etc/ezkvm/pw");

    CHECK(parse_ok("spice: {}").spice.enabled);
    CHECK(parse_ok("spice:").spice.enabled);
}

TEST_CASE("spice rules")
{
    const auto open = parse("spice: { port: 5900, addr: 0.0.0.0 }");
    REQUIRE(open.diags.size() == 1);
    CHECK(open.diags[0] ==
          "vm.yaml:1:28: warning: spice.addr: SPICE listens on 0.0.0.0 without a password: anyone who can reach "
          "this port controls the VM (set spice.password_file or spice.password_credential, or listen on "
          "127.0.0.1 / a unix socket (path))");
    // Finding 13: loopback is no boundary (every local user, every other VM's qemu).
    CHECK(problem("spice: { port: 5930 }") ==
          "vm.yaml:1:16: warning: spice.port: SPICE listens on TCP 127.0.0.1:5930 without a password: every local "
          "user, and every other VM's qemu, can take this VM's screen, keyboard and mouse (listen on a unix socket "
          "instead (remove spice.port; only the VM's user and root can reach it), or set spice.password_file or "
          "spice.password_credential)");
    CHECK(problem("vnc: { port: 5901, addr: ::1 }").find("VNC listens on TCP ::1:5901 without a password") !=
          std::string::npos);
    CHECK(problem("spice: { port: 5900, path: /run/s.sock }") ==
          "vm.yaml:1:28: error: spice.path: give either port (TCP) or path (a unix socket), not both");
    CHECK(problem("spice: { addr: 127.0.0.1 }") ==
          "vm.yaml:1:16: error: spice.addr: addr needs a port (add a port, or remove addr to listen on a unix socket)");
    CHECK(problem("spice: { password_file: /a, password_credential: b }") ==
          "vm.yaml:1:50: error: spice.password_credential: give either password_file or password_credential, not both");
    CHECK(problem("spice: { port: 0 }").find("out of range (expected 1 to 65535)") != std::string::npos);
    CHECK(problem("spice: { port: 5900, addr: \"300.1.1.1\" }") ==
          "vm.yaml:1:28: error: spice.addr: expected an IP address or host name, got '300.1.1.1'");
    CHECK(problem("spice: { render_node: /dev/dri/renderD128 }") ==
          "vm.yaml:1:23: error: spice.render_node: render_node is only used with gl: yes");
}

TEST_CASE("vnc")
{
    VmSpec s = parse_ok("vnc: { port: 5901, password_file: /etc/ezkvm/vncpw }");
    CHECK(s.vnc.enabled);
    CHECK(s.vnc.port == 5901);
    CHECK(s.vnc.addr == "127.0.0.1");
    CHECK(s.vnc.password_file == "/etc/ezkvm/vncpw");
    CHECK_FALSE(s.spice.enabled);
    s = parse_ok("display: { type: vnc }");
    CHECK(s.vnc.enabled);
    CHECK(s.vnc.path.empty());
    CHECK(problem("vnc: { port: 80 }").find("vnc.port: 80 is out of range (expected 5900 to 65535)") !=
          std::string::npos);
    const auto open = parse("vnc: { port: 5900, addr: vm-host.example.org }");
    REQUIRE(open.diags.size() == 1);
    CHECK(open.diags[0].find("warning: vnc.addr: VNC listens on vm-host.example.org without a password") !=
          std::string::npos);
    CHECK(open.diags[0].find("set vnc.password_file or vnc.password_credential") != std::string::npos);
}

TEST_CASE("gpu types")
{
    CHECK(parse_ok("gpu: { type: none }").gpu.type == GpuType::None);
    CHECK(parse_ok("gpu: { type: qxl }").gpu.type == GpuType::Qxl);
    CHECK(parse_ok("gpu: { type: vmware-svga }").gpu.type == GpuType::VmwareSvga);
    VmSpec s = parse_ok("gpu: { type: virtio-vga-gl }");
    CHECK(s.gpu.type == GpuType::Virtio);
    CHECK(s.gpu.gl);
    s = parse_ok("gpu: { type: virtio, gl: yes, pcie: { } }");
    CHECK(s.gpu.type == GpuType::Virtio);
    CHECK(s.gpu.gl);
    CHECK(s.gpu.pcie);
    s = parse_ok("gpu: { type: virtio, pcie: no }");
    CHECK_FALSE(s.gpu.gl);
    CHECK_FALSE(s.gpu.pcie);
    CHECK(parse_ok("gpu: { type: virtio, pcie: yes }").gpu.pcie);
}

TEST_CASE("gpu passthrough, as the seed writes it")
{
    const VmSpec s = parse_ok(R"(
gpu:
  type: passthrough
  pci: [ { vm_id: "0.0", host_id: "0000:03:00.0", multi_function: true },
         { vm_id: "0.1", host_id: "03:00.1", x_vga: no, romfile: /usr/share/roms/gpu.rom } ]
)");
    CHECK(s.gpu.type == GpuType::Passthrough);
    REQUIRE(s.gpu.pci.size() == 2);
    CHECK(s.gpu.pci[0].host_id == "0000:03:00.0");
    CHECK(s.gpu.pci[0].vm_id_given);
    CHECK(s.gpu.pci[0].vm_slot == 0);
    CHECK(s.gpu.pci[0].vm_function == 0);
    CHECK(s.gpu.pci[0].multi_function);
    CHECK(s.gpu.pci[0].pos.line == 4);
    CHECK(s.gpu.pci[1].host_id == "0000:03:00.1");
    CHECK(s.gpu.pci[1].vm_function == 1);
    CHECK_FALSE(s.gpu.pci[1].multi_function);
    CHECK(s.gpu.pci[1].romfile == "/usr/share/roms/gpu.rom");
}

TEST_CASE("gpu rules")
{
    CHECK(problem("gpu: { type: std, gl: yes }") ==
          "vm.yaml:1:23: error: gpu.gl: gl works with the virtio GPU only (set gpu.type: virtio or remove gpu.gl)");
    CHECK(problem("gpu: { type: virtio-vga-gl, gl: no }").find("virtio-vga-gl always uses GL") != std::string::npos);
    CHECK(problem("gpu: { type: passthrough }") ==
          "vm.yaml:1:14: error: gpu.type: passthrough needs the host's GPU functions in gpu.pci "
          "(add pci: [ { host_id: \"0000:03:00.0\" } ])");
    CHECK(problem("gpu: { type: passthrough, pci: [] }").find("gpu.pci: passthrough needs") != std::string::npos);
    CHECK(problem("gpu: { type: virtio, pci: [ { host_id: 03:00.0 } ] }") ==
          "vm.yaml:1:27: error: gpu.pci: gpu.pci is only used with gpu.type: passthrough "
          "(for other host PCI devices use host.pci)");
    CHECK(problem("gpu: { pcie: { x: 1 } }") ==
          "vm.yaml:1:14: error: gpu.pcie: expected yes/no or an empty mapping { }, got a mapping with keys");
    // a bad type is reported once, not again for each key that depends on it
    CHECK(problem("gpu: { type: virtoi, gl: yes }") ==
          "vm.yaml:1:14: error: gpu.type: 'virtoi' is not a valid choice (did you mean 'virtio'?)");
}

TEST_CASE("display: looking glass as the seed writes it")
{
    const VmSpec s = parse_ok(R"(
display:
  type: looking_glass
  device: { path: /dev/kvmfr0, size: 128M }
  input: { grab_keyboard: yes, escape_key: KEY_F12 }
  window: { size: 1707x1067, full_screen: no }
)");
    CHECK(s.display.type == DisplayType::LookingGlass);
    CHECK(s.display.looking_glass.path == "/dev/kvmfr0");
    CHECK(s.display.looking_glass.size == 128u << 20);
    CHECK(s.display.looking_glass.grab_keyboard);
    CHECK(s.display.looking_glass.escape_key == "KEY_F12");
    CHECK(s.display.looking_glass.window_size == "1707x1067");
    CHECK_FALSE(s.display.looking_glass.full_screen);
    CHECK(s.spice.enabled);  // input goes over SPICE

    const VmSpec shm = parse_ok("display: { type: looking-glass, device: { path: /dev/shm/looking-glass, size: 32 } }");
    CHECK(shm.display.type == DisplayType::LookingGlass);
    CHECK(shm.display.looking_glass.path == "/dev/shm/looking-glass");
    CHECK(shm.display.looking_glass.size == 32u << 20);
    const VmSpec defaults = parse_ok("display: { type: looking_glass }");
    CHECK(defaults.display.looking_glass.path == "/dev/kvmfr0");
    CHECK(defaults.display.looking_glass.size == 64u << 20);
}

TEST_CASE("display types and rules")
{
    CHECK(parse_ok("display: { type: remote-viewer }").spice.enabled);
    CHECK(parse_ok("display: { type: spice }").spice.enabled);
    CHECK_FALSE(parse_ok("display: { type: gtk }").spice.enabled);
    CHECK(parse_ok("display: { type: gtk, gl: yes }").display.gl);
    CHECK(parse_ok("display: { type: sdl }").display.type == DisplayType::Sdl);
    CHECK(problem("display: { type: looking_glass, device: { size: 100M } }") ==
          "vm.yaml:1:49: error: display.device.size: the shared memory size must be a power of two in MiB "
          "(such as 32M, 64M or 128M)");
    CHECK(problem("display: { type: looking_glass, device: { path: /dev/kvmfr } }") ==
          "vm.yaml:1:49: error: display.device.path: expected /dev/kvmfr<N> or /dev/shm/<name>, got '/dev/kvmfr'");
    CHECK(problem("display: { type: looking_glass, device: { path: /dev/shm/.. } }").find("expected /dev/kvmfr") !=
          std::string::npos);
    CHECK(problem("display: { type: looking_glass, input: { escape_key: F12 } }") ==
          "vm.yaml:1:54: error: display.input.escape_key: expected a key name such as KEY_F12, got 'F12'");
    CHECK(problem("display: { type: looking_glass, window: { size: 1707*1067 } }").find("expected <width>x<height>") !=
          std::string::npos);
    CHECK(problem("display: { type: gtk, device: { path: /dev/kvmfr0 } }") ==
          "vm.yaml:1:31: error: display.device: device is only used with display type looking_glass");
    CHECK(problem("display: { type: spice, gl: yes }") ==
          "vm.yaml:1:29: error: display.gl: gl is only used with display type gtk or sdl "
          "(for SPICE displays set spice.gl; for a GL GPU set gpu.gl)");
}

TEST_CASE("audio")
{
    VmSpec s = parse_ok("audio: { device: hda, backend: pipewire }");
    CHECK(s.audio.device == AudioDevice::Hda);
    CHECK(s.audio.backend == AudioBackend::PipeWire);
    s = parse_ok("audio: { device: ac97 }\nspice: { path: /run/vm.sock }");
    CHECK(s.audio.backend == AudioBackend::Spice);
    s = parse_ok("audio: { device: hda }\ndisplay: { type: remote-viewer }");
    CHECK(s.audio.backend == AudioBackend::Spice);
    CHECK(problem("audio: { device: hda }") ==
          "vm.yaml:1:18: error: audio.device: an audio device needs a backend "
          "(set audio.backend: pipewire, pulseaudio or alsa (or spice with SPICE enabled))");
    s = parse_ok("audio: { device: hda, backend: none }");  // a sound card playing nowhere, said so
    CHECK(s.audio.device == AudioDevice::Hda);
    CHECK(s.audio.backend == AudioBackend::None);
    CHECK(problem("audio: { device: hda, backend: spice }") ==
          "vm.yaml:1:32: error: audio.backend: the spice audio backend needs SPICE "
          "(add a spice section or use pipewire, pulseaudio or alsa)");
    CHECK(problem("audio: { device: hda, backend: pipwire }").find("did you mean 'pipewire'?") != std::string::npos);
}

TEST_CASE("usb")
{
    VmSpec s = parse_ok("usb: { controller: ehci, tablet: no }");
    CHECK(s.usb.controller == UsbController::Ehci);
    REQUIRE(s.usb.tablet.has_value());
    CHECK_FALSE(*s.usb.tablet);
    CHECK(parse_ok("usb: { controller: none }").usb.controller == UsbController::None);
    CHECK(problem("usb: { controller: none, tablet: yes }") ==
          "vm.yaml:1:34: error: usb.tablet: a USB tablet needs a USB controller (set usb.controller: xhci or tablet: no)");
}
