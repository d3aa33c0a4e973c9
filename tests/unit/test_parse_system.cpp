// parse_spec: top level, general and system.
#include "config/parse_internal.hpp"
#include "parse_fixture.hpp"

using namespace ezkvm::config;
using namespace parse_test;

TEST_CASE("an empty file gives the documented defaults")
{
    const VmSpec s = parse_ok("");
    CHECK(s.general.name == "vm");
    CHECK(s.general.description.empty());
    CHECK(s.general.template_name.empty());
    CHECK_FALSE(s.general.agent);
    CHECK_FALSE(s.general.monitor);
    CHECK_FALSE(s.general.autostart);
    CHECK(s.general.user.empty());
    CHECK(s.general.accel == Accel::Auto);
    CHECK(s.general.stop_timeout == 120);
    CHECK(s.system.chipset.type == Chipset::Q35);
    CHECK(s.system.chipset.version.empty());
    CHECK(s.system.bios.type == FirmwareType::Ovmf);
    CHECK(s.system.bios.uuid.empty());
    CHECK_FALSE(s.system.bios.secure_boot);
    CHECK(s.system.cpu.model.empty());
    CHECK(s.system.cpu.sockets == 1);
    CHECK(s.system.cpu.cores == 1);
    CHECK(s.system.cpu.threads == 1);
    CHECK(s.system.cpu.flags.empty());
    CHECK(s.system.memory.mib == 1024);
    CHECK(s.system.memory.balloon);
    CHECK(s.system.tpm.type == TpmType::None);
    CHECK(s.system.applesmc_osk.empty());
    CHECK(s.system.kernel.image.empty());
    CHECK(s.system.rtc == Rtc::Utc);
    CHECK_FALSE(s.system.hyperv);
    CHECK(s.system.hpet);
    CHECK(s.system.vmgenid.empty());
    CHECK_FALSE(s.system.boot.menu);
    CHECK_FALSE(s.system.boot.strict);
    CHECK_FALSE(s.system.boot.reboot_timeout.has_value());
    CHECK_FALSE(s.system.memory.free_page_reporting);
    CHECK_FALSE(s.system.tpm.interface.has_value());
    CHECK(s.devices.disk == "virtio-blk");
    CHECK(s.devices.cdrom == "ide-cd");
    CHECK(s.devices.scsi_controller == "virtio-scsi");
    CHECK(s.devices.nic == "virtio-net-pci");
    CHECK_FALSE(s.spice.enabled);
    CHECK_FALSE(s.vnc.enabled);
    CHECK(s.gpu.type == GpuType::Std);
    CHECK(s.display.type == DisplayType::None);
    CHECK(s.audio.device == AudioDevice::None);
    CHECK(s.usb.controller == UsbController::Xhci);
    CHECK_FALSE(s.usb.tablet.has_value());
    CHECK(s.host.usb.empty());
    CHECK(s.host.pci.empty());
    CHECK(s.storage.empty());
    CHECK(s.network.empty());
    CHECK(s.serial);
    CHECK(s.extra_args.empty());
}

TEST_CASE("general accepts every key in its usual spellings")
{
    const VmSpec s = parse_ok(R"(
general:
  name: vm
  description: "Windows 11, gaming"
  template: windows-11
  agent: yes
  monitor: "on"
  autostart: True
  user: root
  accel: tcg
  stop_timeout: 2min
)");
    CHECK(s.general.name == "vm");
    CHECK(s.general.description == "Windows 11, gaming");
    CHECK(s.general.template_name == "windows-11");
    CHECK(s.general.agent);
    CHECK(s.general.monitor);
    CHECK(s.general.autostart);
    CHECK(s.general.user == "root");
    CHECK(s.general.accel == Accel::Tcg);
    CHECK(s.general.stop_timeout == 120);
    CHECK(parse_ok("general: { stop_timeout: \"90\" }").general.stop_timeout == 90);
    CHECK(parse_ok("general: { stop_timeout: 45s, agent: OFF }").general.stop_timeout == 45);
}

TEST_CASE("general values are checked")
{
    CHECK(problem("general: { name: other }") ==
          "vm.yaml:1:18: error: general.name: 'other' does not match the file name 'vm.yaml' "
          "(rename the file to other.yaml or remove general.name)");
    CHECK(problem("general: { name: -x }") ==
          "vm.yaml:1:18: error: general.name: '-x' is not a valid VM name (use letters, digits, '-', '_' and '.', "
          "starting with a letter or digit, at most 64 characters)");
    CHECK(problem("general: { stop_timeout: 2h }") ==
          "vm.yaml:1:26: error: general.stop_timeout: 7200 seconds is out of range (expected 1 to 3600)");
    CHECK(problem("general: { stop_timeout: 0 }").find("out of range") != std::string::npos);
    CHECK(problem("general: { user: Bob }") ==
          "vm.yaml:1:18: error: general.user: expected a user name such as ezkvm or root, got 'Bob'");
    CHECK(problem("general: { template: Win11 }").find("expected a template name") != std::string::npos);
    CHECK(problem("general: { agent: maybe }") ==
          "vm.yaml:1:19: error: general.agent: expected yes/no (or on/off, true/false), got 'maybe'");
    CHECK(problem("general: { accel: kvn }") ==
          "vm.yaml:1:19: error: general.accel: 'kvn' is not a valid choice (did you mean 'kvm'?)");
}

TEST_CASE("VM names")
{
    CHECK(valid_vm_name("win11"));
    CHECK(valid_vm_name("Web_1.example-a"));
    CHECK(valid_vm_name("0vm"));
    CHECK(valid_vm_name(std::string(64, 'a')));
    CHECK_FALSE(valid_vm_name(std::string(65, 'a')));
    CHECK_FALSE(valid_vm_name(""));
    CHECK_FALSE(valid_vm_name(".hidden"));
    CHECK_FALSE(valid_vm_name("_x"));
    CHECK_FALSE(valid_vm_name("a/b"));
    CHECK_FALSE(valid_vm_name("a b"));
    CHECK_FALSE(valid_vm_name("café"));
}

TEST_CASE("unknown keys are reported with a suggestion")
{
    CHECK(problem("sytem: {}\n") == "vm.yaml:1:1: error: sytem: unknown key (did you mean 'system'?)");
    CHECK(problem("system:\n  memory: { max: 4G, baloon: no }\n") ==
          "vm.yaml:2:22: error: system.memory.baloon: unknown key (did you mean 'balloon'?)");
    CHECK(problem("general: [a]\n") == "vm.yaml:1:10: error: general: expected a mapping of keys, got a list");
}

TEST_CASE("the seed's system section")
{
    const VmSpec s = parse_ok(R"(
system:
  chipset: { type: "q35", version: "8.1" }
  bios: { type: "ovmf", uuid: "5C4E7C1A-2B8E-4F6A-9D3B-0E1F2A3B4C5D", file: "/dev/vm1/win11-efidisk" }
  cpu: { model: "qemu64", sockets: "1", cores: 8, flags: "+aes,+pni,+popcnt,+sse4.1,+sse4.2,+ssse3,enforce" }
  memory: { max: 8192, balloon: no }
  tpm: { type: swtpm, version: 2.0, disk: /dev/vm1/win11-tpm, socket: /run/swtpm/win11.sock }
)");
    CHECK(s.system.chipset.type == Chipset::Q35);
    CHECK(s.system.chipset.version == "8.1");
    CHECK(s.system.bios.uuid == "5c4e7c1a-2b8e-4f6a-9d3b-0e1f2a3b4c5d");
    CHECK(s.system.bios.file == "/dev/vm1/win11-efidisk");
    CHECK(s.system.cpu.model == "qemu64");
    CHECK(s.system.cpu.cores == 8);
    CHECK(s.system.cpu.flags ==
          std::vector<std::string>{"+aes", "+pni", "+popcnt", "+sse4.1", "+sse4.2", "+ssse3", "enforce"});
    CHECK(s.system.memory.mib == 8192);
    CHECK_FALSE(s.system.memory.balloon);
    CHECK(s.system.tpm.type == TpmType::Swtpm);
    CHECK(s.system.tpm.version == TpmVersion::V2_0);
    CHECK(s.system.tpm.disk == "/dev/vm1/win11-tpm");
    CHECK(s.system.tpm.socket == "/run/swtpm/win11.sock");
}

TEST_CASE("macOS-style system section")
{
    const std::string osk(64, 'k');
    const VmSpec s = parse_ok(R"(
system:
  chipset: i440fx
  bios: { type: seabios }
  cpu:
    model: Haswell-noTSX
    cores: 4
    threads: 2
    flags: [ vendor=GenuineIntel, +invtsc, kvm=on, vmware-cpuid-freq=on ]
  memory: { max: 4G }
  tpm: { version: "1.2", type: swtpm }
  applesmc: { osk: ")" + osk + R"(" }
  kernel: { image: /boot/vmlinuz, initrd: /boot/initrd.img, cmdline: "console=ttyS0 quiet" }
  rtc: localtime
  hyperv: on
)");
    CHECK(s.system.chipset.type == Chipset::I440fx);
    CHECK(s.system.bios.type == FirmwareType::Seabios);
    CHECK(s.system.cpu.threads == 2);
    CHECK(s.system.cpu.flags == std::vector<std::string>{"vendor=GenuineIntel", "+invtsc", "kvm=on", "vmware-cpuid-freq=on"});
    CHECK(s.system.memory.mib == 4096);
    CHECK(s.system.tpm.version == TpmVersion::V1_2);
    CHECK(s.system.applesmc_osk == osk);
    CHECK(s.system.kernel.image == "/boot/vmlinuz");
    CHECK(s.system.kernel.initrd == "/boot/initrd.img");
    CHECK(s.system.kernel.cmdline == "console=ttyS0 quiet");
    CHECK(s.system.rtc == Rtc::LocalTime);
    CHECK(s.system.hyperv);
    CHECK(parse_ok("system: { tpm: { type: swtpm, version: 2 } }").system.tpm.version == TpmVersion::V2_0);
    CHECK(parse_ok("system: { bios: { secure_boot: yes } }").system.bios.secure_boot);
}

TEST_CASE("system values are checked")
{
    CHECK(problem("system: { cpu: { cores: 300 } }") ==
          "vm.yaml:1:25: error: system.cpu.cores: 300 is out of range (expected 1 to 256)");
    CHECK(problem("system: { cpu: { sockets: 0 } }").find("out of range") != std::string::npos);
    CHECK(problem("system: { cpu: { flags: \"+aes,+a b\" } }") ==
          "vm.yaml:1:25: error: system.cpu.flags: '+a b' is not a CPU flag (expected +name, -name, name or name=value)");
    CHECK(problem("system: { cpu: { model: \"a b\" } }").find("expected a CPU model name") != std::string::npos);
    CHECK(problem("system: { memory: { max: 8X } }") ==
          "vm.yaml:1:26: error: system.memory.max: expected a size such as 4G, 512M or a number of MiB, got '8X'");
    CHECK(problem("system: { memory: { max: 8 } }") ==
          "vm.yaml:1:26: error: system.memory.max: 8 MiB is too little (at least 16 MiB)");
    CHECK(problem("system: { memory: { max: 1500K } }") ==
          "vm.yaml:1:26: error: system.memory.max: memory must be a whole number of MiB");
    CHECK(problem("system: { chipset: { version: 8 } }") ==
          "vm.yaml:1:31: error: system.chipset.version: expected a machine version such as \"7.2\", got '8'");
    CHECK(problem("system: { chipset: q36 }") ==
          "vm.yaml:1:20: error: system.chipset: 'q36' is not a valid choice (did you mean 'q35'?)");
    CHECK(problem("system: { bios: { uuid: 1234 } }").find("expected a UUID") != std::string::npos);
    CHECK(problem("system: { bios: { file: vars.fd } }") ==
          "vm.yaml:1:25: error: system.bios.file: expected an absolute path (starting with '/'), got 'vars.fd'");
    CHECK(problem("system: { bios: { type: seabios, secure_boot: yes } }") ==
          "vm.yaml:1:47: error: system.bios.secure_boot: secure boot needs UEFI firmware (set system.bios.type: ovmf)");
    CHECK(problem("system: { tpm: { version: 3 } }") ==
          "vm.yaml:1:27: error: system.tpm.version: '3' is not a TPM version (expected one of: 2.0, 1.2)");
    CHECK(problem("system: { applesmc: { osk: short } }") ==
          "vm.yaml:1:28: error: system.applesmc.osk: the Apple SMC key has 64 characters, this one has 5");
    CHECK(problem("system: { kernel: { cmdline: quiet } }") ==
          "vm.yaml:1:30: error: system.kernel.cmdline: cmdline needs a kernel image (set system.kernel.image)");
    CHECK(problem("system: { rtc: local }") ==
          "vm.yaml:1:16: error: system.rtc: 'local' is not a valid choice (expected one of: utc, localtime)");
}

TEST_CASE("serial and extra_args")
{
    CHECK_FALSE(parse_ok("serial: no").serial);
    const Parsed p = parse("extra_args: [ -device, \"pci-testdev\" ]\n");
    CHECK(p.spec.extra_args == std::vector<std::string>{"-device", "pci-testdev"});
    REQUIRE(p.diags.size() == 1);
    CHECK(p.diags[0] == "vm.yaml:1:13: warning: extra_args: extra_args are passed to qemu unchecked "
                        "(prefer a config key; tell us what is missing)");
}

TEST_CASE("all errors of a file are reported in file order")
{
    const auto d = problems(R"(network:
  - { mac: "01:00:00:00:00:01" }
general:
  agent: perhaps
system:
  cpu: { cores: 0 }
)");
    REQUIRE(d.size() == 3);
    CHECK(d[0].rfind("vm.yaml:2:", 0) == 0);
    CHECK(d[1].rfind("vm.yaml:4:", 0) == 0);
    CHECK(d[2].rfind("vm.yaml:6:", 0) == 0);
}

TEST_CASE("value checks take values of any length without recursing per character")
{
    // std::regex overflowed the stack on a 30,000-character CPU flag; the
    // loader caps values at 4096 bytes, these checks must not rely on that.
    const std::string huge(1'000'000, 'a');
    CHECK(detail::valid_cpu_flag("+" + huge));
    CHECK_FALSE(detail::valid_cpu_flag("+" + huge + "="));
    CHECK(detail::valid_cpu_model(huge));
    CHECK(detail::valid_template_name(huge));
    CHECK_FALSE(valid_vm_name(huge));
    CHECK_FALSE(detail::valid_listen_address(huge));
    CHECK_FALSE(detail::valid_usb_port(std::string(1'000'000, '1')));
    CHECK_FALSE(detail::normalise_mac(huge));
    CHECK_FALSE(detail::normalise_pci_address(huge));
}

TEST_CASE("the small formats keep their documented patterns")
{
    CHECK(detail::valid_cpu_flag("-hypervisor"));
    CHECK(detail::valid_cpu_flag("hv-spinlocks=0x1fff"));
    CHECK_FALSE(detail::valid_cpu_flag("-"));
    CHECK_FALSE(detail::valid_cpu_flag("a=b=c"));
    CHECK(detail::valid_user_name("svc$"));
    CHECK_FALSE(detail::valid_user_name("$"));
    CHECK(detail::valid_window_size("1707x1067"));
    CHECK_FALSE(detail::valid_window_size("0x10"));
    CHECK(detail::valid_listen_address("vm-host.example"));
    CHECK_FALSE(detail::valid_listen_address("-bad.example"));
    CHECK_FALSE(detail::valid_listen_address("10.0.0"));
    CHECK(detail::valid_usb_port("1.2.3.4.5"));
    CHECK_FALSE(detail::valid_usb_port("1.2.3.4.5.6"));
    CHECK(detail::normalise_mac("BC-24-11:3A-21-B7") == "bc:24:11:3a:21:b7");
    CHECK(detail::normalise_pci_address("03:1F.7") == "0000:03:1f.7");
    CHECK_FALSE(detail::normalise_pci_address("03:20.0"));
    CHECK(detail::parse_vm_pci_id("1f.3") == std::pair{0x1fu, 3u});
    CHECK(detail::normalise_uuid("5C4E7C1A-2B8E-4F6A-9D3B-0E1F2A3B4C5D") == "5c4e7c1a-2b8e-4f6a-9d3b-0e1f2a3b4c5d");
    CHECK(detail::valid_shared_memory_path("/dev/kvmfr0"));
    CHECK_FALSE(detail::valid_shared_memory_path("/dev/kvmfr"));
    CHECK_FALSE(detail::valid_shared_memory_path("/dev/shm/.."));
}
