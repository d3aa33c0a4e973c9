#include <catch2/catch.hpp>

#include "qemu/identity.hpp"
#include "test_qemu_support.hpp"

using namespace ezkvm;
using namespace ezkvm::qemu;

TEST_CASE("display adapters per gpu type")
{
    auto spec = test::base_spec();
    const std::pair<config::GpuType, const char*> cases[] = {{config::GpuType::Std, "VGA"},
                                                            {config::GpuType::Qxl, "qxl-vga"},
                                                            {config::GpuType::VmwareSvga, "vmware-svga"},
                                                            {config::GpuType::Virtio, "virtio-vga"}};
    for (const auto& [type, driver] : cases) {
        spec.gpu.type = type;
        CHECK(test::has(test::build(spec).argv(), "-device", std::string(driver) + ",bus=pcie.0,addr=0x01"));
    }
    spec.gpu.type = config::GpuType::None;
    const auto left = test::devices(test::build(spec).argv());
    REQUIRE(left.size() == 1);
    CHECK(left[0].head == "virtio-balloon-pci");
}

TEST_CASE("virtio GL needs a display with OpenGL")
{
    auto spec = test::base_spec();
    spec.gpu.type = config::GpuType::Virtio;
    spec.gpu.gl = true;
    CHECK(test::has_error(test::build(spec).diags, "virtio with gl needs a display with OpenGL"));
    spec.display.type = config::DisplayType::Gtk;
    spec.display.gl = true;
    auto b = test::build(spec);
    CHECK_FALSE(b.diags.has_errors());
    CHECK(test::devices(b.argv(), "virtio-vga-gl").size() == 1);
    CHECK(test::has(b.argv(), "-display", "gtk,gl=on"));
}

TEST_CASE("local displays")
{
    auto spec = test::base_spec();
    CHECK(test::has(test::build(spec).argv(), "-display", "none"));
    spec.display.type = config::DisplayType::Sdl;
    CHECK(test::has(test::build(spec).argv(), "-display", "sdl"));
    spec.display.type = config::DisplayType::Gtk;
    CHECK(test::has(test::build(spec).argv(), "-display", "gtk"));
}

TEST_CASE("SPICE on a unix socket, with GL")
{
    auto spec = test::base_spec("s");
    spec.display.type = config::DisplayType::RemoteViewer;
    spec.spice.enabled = true;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-display", "none"));
    CHECK(test::has(b.argv(), "-spice", "unix=on,addr=/run/ezkvm/s/spice.sock,disable-ticketing=on"));
    CHECK(test::has(b.argv(), "-chardev", "spicevmc,id=vdagent,name=vdagent"));
    CHECK(test::has(b.argv(), "-device", "virtserialport,bus=virtio-serial.0,chardev=vdagent,name=com.redhat.spice.0"));

    spec.spice.gl = true;
    spec.spice.render_node = "/dev/dri/renderD128";
    spec.spice.path = "/tmp/s.sock";
    b = test::build(spec);
    CHECK(test::has(b.argv(), "-spice",
                    "unix=on,addr=/tmp/s.sock,disable-ticketing=on,gl=on,rendernode=/dev/dri/renderD128"));
    CHECK(test::uses(b, "/dev/dri/renderD128") == 1);
    CHECK(b.command.host_paths.back().writable);  // device nodes are opened read-write
}

TEST_CASE("SPICE over TCP: passwords through a secret object, GL through egl-headless")
{
    auto spec = test::base_spec("s");
    spec.spice.enabled = true;
    spec.spice.port = 5930;
    spec.spice.addr = "0.0.0.0";
    spec.spice.password_file = "/etc/ezkvm/s.spice-password";
    spec.spice.gl = true;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-object", "secret,id=spice-password,file=/etc/ezkvm/s.spice-password"));
    CHECK(test::has(b.argv(), "-spice", "port=5930,addr=0.0.0.0,password-secret=spice-password"));
    CHECK(test::has(b.argv(), "-display", "egl-headless"));
    CHECK(test::uses(b, "/etc/ezkvm/s.spice-password") == 1);

    spec.spice.password_file.clear();
    spec.spice.password_credential = "spice.pw";
    spec.spice.render_node = "/dev/dri/renderD129";
    b = test::build(spec);
    CHECK(test::has(b.argv(), "-object", "secret,id=spice-password,file=/run/credentials/ezkvm@s.service/spice.pw"));
    CHECK(test::has(b.argv(), "-display", "egl-headless,rendernode=/dev/dri/renderD129"));
}

TEST_CASE("VNC on a unix socket or TCP, with a password secret")
{
    auto spec = test::base_spec("v");
    spec.display.type = config::DisplayType::Vnc;
    spec.vnc.enabled = true;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-vnc", "unix:/run/ezkvm/v/vnc.sock"));
    CHECK(test::has(b.argv(), "-display", "none"));
    CHECK(test::devices(b.argv(), "usb-tablet").size() == 1);

    spec.vnc.port = 5901;
    spec.vnc.addr = "::1";
    spec.vnc.password_file = "/etc/ezkvm/v.vnc";
    b = test::build(spec);
    CHECK(test::has(b.argv(), "-object", "secret,id=vnc-password,file=/etc/ezkvm/v.vnc"));
    CHECK(test::has(b.argv(), "-vnc", "[::1]:1,password-secret=vnc-password"));
    spec.vnc.addr = "192.168.1.2";
    CHECK(test::has(test::build(spec).argv(), "-vnc", "192.168.1.2:1,password-secret=vnc-password"));
}

TEST_CASE("looking-glass shared memory")
{
    auto spec = test::base_spec();
    spec.gpu.type = config::GpuType::None;
    spec.display.type = config::DisplayType::LookingGlass;
    spec.display.looking_glass.size = 128ull << 20;
    spec.spice.enabled = true;
    const auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-object",
                    "memory-backend-file,id=looking-glass,mem-path=/dev/kvmfr0,size=134217728,share=on"));
    CHECK(test::has(b.argv(), "-device", "ivshmem-plain,memdev=looking-glass,bus=pcie.0,addr=0x06"));
    CHECK(test::uses(b, "/dev/kvmfr0") == 1);
    CHECK(test::devices(b.argv(), "usb-tablet").empty());
}

TEST_CASE("audio devices and backends")
{
    auto spec = test::base_spec();
    spec.audio.device = config::AudioDevice::Hda;
    spec.audio.backend = config::AudioBackend::PipeWire;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-audiodev", "pa,id=audio0"));
    CHECK(test::has(b.argv(), "-device", "ich9-intel-hda,id=sound0,bus=pcie.0,addr=0x05"));
    CHECK(test::has(b.argv(), "-device", "hda-duplex,bus=sound0.0,audiodev=audio0"));

    spec.system.chipset.type = config::Chipset::I440fx;
    spec.audio.backend = config::AudioBackend::Alsa;
    b = test::build(spec);
    CHECK(test::has(b.argv(), "-audiodev", "alsa,id=audio0"));
    CHECK(test::devices(b.argv(), "intel-hda").size() == 1);

    spec.audio.device = config::AudioDevice::Ac97;
    spec.audio.backend = config::AudioBackend::Spice;
    b = test::build(spec);
    CHECK(test::has_error(b.diags, "audio backend spice needs SPICE"));
    spec.spice.enabled = true;
    b = test::build(spec);
    CHECK_FALSE(b.diags.has_errors());
    CHECK(test::has(b.argv(), "-audiodev", "spice,id=audio0"));
    CHECK(test::has(b.argv(), "-device", "AC97,audiodev=audio0,bus=pci.0,addr=0x06"));

    spec.audio.device = config::AudioDevice::None;
    CHECK(test::values(test::build(spec).argv(), "-audiodev").empty());
}

TEST_CASE("USB: controller only when used, tablet by display, host devices by port or id")
{
    auto spec = test::base_spec();
    CHECK(test::devices(test::build(spec).argv(), "qemu-xhci").empty());

    spec.display.type = config::DisplayType::Gtk;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-device", "qemu-xhci,id=usb,bus=pcie.0,addr=0x02"));
    CHECK(test::has(b.argv(), "-device", "usb-tablet,bus=usb.0"));
    spec.usb.tablet = false;
    CHECK(test::devices(test::build(spec).argv(), "qemu-xhci").empty());

    config::UsbHostDevice by_port;
    by_port.vm_port = "1.2";
    by_port.host_bus = "1";
    by_port.host_port = "2.2";
    config::UsbHostDevice by_id;
    by_id.vendor_id = "046d";
    by_id.product_id = "c52b";
    spec.host.usb = {by_id, by_port};
    b = test::build(spec);
    REQUIRE_FALSE(b.diags.has_errors());
    const auto usb = test::values(b.argv(), "-device");
    CHECK(test::has(b.argv(), "-device", "qemu-xhci,id=usb,bus=pcie.0,addr=0x02"));
    const std::vector<std::string> expected = {"usb-hub,bus=usb.0,port=1",
                                               "usb-host,bus=usb.0,port=1.2,hostbus=1,hostport=2.2",
                                               "usb-host,bus=usb.0,vendorid=0x046d,productid=0xc52b"};
    auto at = std::find(usb.begin(), usb.end(), expected[0]);
    REQUIRE(at != usb.end());
    CHECK(std::vector<std::string>(at, at + 3) == expected);

    by_id.vm_port = "1";
    spec.host.usb = {by_id, by_port};
    CHECK(test::has_error(test::build(spec).diags, "guest port 1 holds the hub"));

    by_id.vm_port = "2";
    spec.host.usb = {by_id, by_port};
    spec.usb.controller = config::UsbController::Ehci;
    b = test::build(spec);
    CHECK(test::has_error(b.diags, "guest port 1.2 is behind a USB hub, which the ehci controller cannot take"));
    spec.host.usb = {by_id};
    b = test::build(spec);
    CHECK_FALSE(b.diags.has_errors());
    CHECK(test::has(b.argv(), "-device", "usb-ehci,id=usb,bus=pcie.0,addr=0x02"));
    CHECK(test::has(b.argv(), "-device", "usb-host,bus=usb.0,port=2,vendorid=0x046d,productid=0xc52b"));

    spec.host.usb = {by_port};
    spec.usb.controller = config::UsbController::None;
    CHECK(test::has_error(test::build(spec).diags, "USB devices need a USB controller"));
    spec.host.usb.clear();
    spec.usb.tablet.reset();
    CHECK_FALSE(test::build(spec).diags.has_errors());  // the default tablet just stays away
}

TEST_CASE("network backends and devices")
{
    auto spec = test::base_spec("net");
    spec.devices.nic = "e1000e";
    config::Nic user;
    user.type = config::NetType::User;
    user.forwards = {{"tcp", "127.0.0.1", 2222, 22}, {"udp", "", 5353, 53}};
    config::Nic bridge;
    bridge.type = config::NetType::Bridge;
    bridge.bridge = "vmbr0";
    bridge.mac = "bc:24:11:3a:21:b7";
    bridge.driver = "virtio-net-pci";
    config::Nic tap;
    tap.type = config::NetType::Tap;
    tap.ifname = "tap7";
    tap.driver = "rtl8139";
    config::Nic passt;
    passt.type = config::NetType::Passt;
    passt.driver = "vmxnet3";
    spec.network = {user, bridge, tap, passt};
    auto b = test::build(spec);
    REQUIRE_FALSE(b.diags.has_errors());
    const auto netdevs = test::values(b.argv(), "-netdev");
    CHECK(netdevs == std::vector<std::string>{
                         "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp::5353-:53",
                         "tap,id=net1,ifname=" + tap_name("net", 1) + ",script=no,downscript=no",
                         "tap,id=net2,ifname=tap7,script=no,downscript=no",
                         "stream,id=net3,server=off,addr.type=unix,addr.path=/run/ezkvm/net/passt-3.sock"});
    CHECK(test::has(b.argv(), "-device",
                    "e1000e,netdev=net0,mac=" + derived_mac("net", 0) + ",bus=pcie.0,addr=0x13"));
    CHECK(test::has(b.argv(), "-device", "virtio-net-pci,netdev=net1,mac=bc:24:11:3a:21:b7,bus=pcie.0,addr=0x14"));
    CHECK(test::has(b.argv(), "-device", "rtl8139,netdev=net2,mac=" + derived_mac("net", 2) + ",bus=pcie.0,addr=0x15"));
    CHECK(test::has(b.argv(), "-device", "vmxnet3,netdev=net3,mac=" + derived_mac("net", 3) + ",bus=pcie.0,addr=0x16"));

}

TEST_CASE("macvtap NICs get qemu's fds 3, 4, ... in NIC order; the plan names their macvtaps")
{
    auto spec = test::base_spec("mv");
    config::Nic macvtap;
    macvtap.type = config::NetType::Macvtap;
    macvtap.parent = "eth0";
    config::Nic user;
    user.type = config::NetType::User;
    spec.network = {macvtap, user, macvtap};
    const auto b = test::build(spec);
    REQUIRE_FALSE(b.diags.has_errors());
    CHECK(test::values(b.argv(), "-netdev") ==
          std::vector<std::string>{"tap,id=net0,fd=3", "user,id=net1", "tap,id=net2,fd=4"});
    CHECK(b.command.macvtaps == std::vector<std::string>{macvtap_name("mv", 0), macvtap_name("mv", 2)});
    CHECK(test::build(test::base_spec()).command.macvtaps.empty());
}

TEST_CASE("balloon and virtio-serial channels")
{
    auto spec = test::base_spec("ch");
    spec.gpu.type = config::GpuType::None;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-device", "virtio-balloon-pci,id=balloon,bus=pcie.0,addr=0x03"));
    CHECK(test::devices(b.argv(), "virtio-serial-pci").empty());

    spec.system.memory.balloon = false;
    spec.general.agent = true;
    b = test::build(spec);
    CHECK(test::devices(b.argv(), "virtio-balloon-pci").empty());
    CHECK(test::has(b.argv(), "-device", "virtio-serial-pci,id=virtio-serial,bus=pcie.0,addr=0x04"));
    CHECK(test::has(b.argv(), "-chardev", "socket,id=qga,path=/run/ezkvm/ch/qga.sock,server=on,wait=off"));
    CHECK(test::has(b.argv(), "-device",
                    "virtserialport,bus=virtio-serial.0,chardev=qga,name=org.qemu.guest_agent.0"));
    CHECK(test::values(b.argv(), "-spice").empty());
}

TEST_CASE("the TPM interface: CRB for 2.0 on q35 unless the file says tis; TIS otherwise")
{
    auto spec = test::base_spec();
    spec.system.tpm.type = config::TpmType::Swtpm;
    CHECK(test::devices(test::build(spec).argv(), "tpm-crb").size() == 1);
    spec.system.tpm.interface = config::TpmInterface::Tis;
    CHECK(test::devices(test::build(spec).argv(), "tpm-tis").size() == 1);
    CHECK(test::devices(test::build(spec).argv(), "tpm-crb").empty());
    spec.system.tpm.interface.reset();
    spec.system.tpm.version = config::TpmVersion::V1_2;
    CHECK(test::devices(test::build(spec).argv(), "tpm-tis").size() == 1);
}

TEST_CASE("an HDA controller gets one codec per audio.codecs entry, addressed only when there are several")
{
    auto spec = test::base_spec();
    spec.audio.device = config::AudioDevice::Hda;
    spec.audio.backend = config::AudioBackend::Alsa;
    CHECK(test::has(test::build(spec).argv(), "-device", "hda-duplex,bus=sound0.0,audiodev=audio0"));
    spec.audio.codecs = {config::AudioCodec::Micro, config::AudioCodec::Duplex};
    const auto argv = test::build(spec).argv();
    CHECK(test::has(argv, "-device", "hda-micro,bus=sound0.0,cad=0,audiodev=audio0"));
    CHECK(test::has(argv, "-device", "hda-duplex,bus=sound0.0,cad=1,audiodev=audio0"));
}
