#include <catch2/catch.hpp>

#include "test_qemu_support.hpp"

using namespace ezkvm;
using namespace ezkvm::qemu;

TEST_CASE("machine type, accelerators and sandbox")
{
    auto spec = test::base_spec();
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-machine", "q35"));
    CHECK(test::values(b.argv(), "-accel") == std::vector<std::string>{"kvm", "tcg"});
    CHECK(test::has(b.argv(), "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));

    spec.system.chipset = {config::Chipset::I440fx, "7.2"};
    spec.general.accel = config::Accel::Kvm;
    b = test::build(spec);
    CHECK(test::has(b.argv(), "-machine", "pc-i440fx-7.2"));
    CHECK(test::values(b.argv(), "-accel") == std::vector<std::string>{"kvm"});

    spec.general.accel = config::Accel::Tcg;
    CHECK(test::values(test::build(spec).argv(), "-accel") == std::vector<std::string>{"tcg"});
}

TEST_CASE("cpu model follows the accelerator unless given")
{
    auto spec = test::base_spec();
    CHECK(test::has(test::build(spec).argv(), "-cpu", "max"));
    spec.general.accel = config::Accel::Kvm;
    CHECK(test::has(test::build(spec).argv(), "-cpu", "host"));
    spec.general.accel = config::Accel::Tcg;
    CHECK(test::has(test::build(spec).argv(), "-cpu", "max"));

    spec.system.cpu.model = "Haswell-noTSX";
    spec.system.cpu.flags = {"vendor=GenuineIntel", "+invtsc", "kvm=on"};
    spec.system.cpu.sockets = 2;
    spec.system.cpu.cores = 4;
    spec.system.cpu.threads = 2;
    const auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-cpu", "Haswell-noTSX,vendor=GenuineIntel,+invtsc,kvm=on"));
    CHECK(test::has(b.argv(), "-smp", "16,sockets=2,cores=4,threads=2"));
}

TEST_CASE("Hyper-V enlightenments: the full set and KVM's PV features with KVM, the TCG-capable ones under tcg")
{
    auto spec = test::base_spec();
    spec.system.hyperv = true;
    spec.general.accel = config::Accel::Kvm;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-cpu",
                    "host,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,hv_vpindex,hv_runtime,hv_synic,hv_stimer,hv_reset,"
                    "hv_frequencies,hv_time,hv_reenlightenment,hv_tlbflush,hv_ipi,hv_stimer_direct,hv_vendor_id=ezkvm,"
                    "+kvm_pv_unhalt,+kvm_pv_eoi"));
    CHECK(b.diags.empty());

    spec.general.accel = config::Accel::Tcg;
    b = test::build(spec);
    CHECK(test::has(b.argv(), "-cpu",
                    "max,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,hv_runtime,hv_reset,hv_frequencies,hv_time,"
                    "hv_reenlightenment,hv_vendor_id=ezkvm"));
}

TEST_CASE("the host's accelerator choice: accelerators, quirk workarounds, refused enlightenments")
{
    auto spec = test::base_spec();
    spec.system.hyperv = true;
    AccelChoice choice{{"kvm", "tcg"}, {"arch-capabilities"}, {"hv_vapic", "hv_time", "hv_stimer"}};
    auto b = test::build(spec, test::fake_ovmf(), {}, choice);
    CHECK(test::values(b.argv(), "-accel") == std::vector<std::string>{"kvm", "tcg"});
    CHECK(test::has(b.argv(), "-cpu",
                    "max,-arch-capabilities,hv_relaxed,hv_spinlocks=0x1fff,hv_vpindex,hv_runtime,hv_synic,hv_reset,"
                    "hv_frequencies,hv_reenlightenment,hv_tlbflush,hv_ipi,hv_vendor_id=ezkvm,+kvm_pv_unhalt,+kvm_pv_eoi"));

    choice = {{"tcg"}, {}, {}};  // accel auto, falling back to TCG: no KVM-only enlightenments
    b = test::build(spec, test::fake_ovmf(), {}, choice);
    CHECK(test::values(b.argv(), "-accel") == std::vector<std::string>{"tcg"});
    CHECK(test::has(b.argv(), "-cpu",
                    "max,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,hv_runtime,hv_reset,hv_frequencies,hv_time,"
                    "hv_reenlightenment,hv_vendor_id=ezkvm"));
}

TEST_CASE("memory and clock")
{
    auto spec = test::base_spec();
    spec.system.memory.mib = 16384;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-m", "16384"));
    CHECK(test::has(b.argv(), "-rtc", "base=utc"));
    spec.system.rtc = config::Rtc::LocalTime;
    CHECK(test::has(test::build(spec).argv(), "-rtc", "base=localtime,driftfix=slew"));
}

TEST_CASE("OVMF: read-only code, vars in the state directory or the given store")
{
    auto spec = test::base_spec("fw");
    auto b = test::build(spec);
    auto drives = test::values(b.argv(), "-drive");
    REQUIRE(drives.size() == 2);
    CHECK(drives[0] == "if=pflash,unit=0,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd");
    CHECK(drives[1] == "if=pflash,unit=1,format=raw,file=/var/lib/ezkvm/fw/efivars.fd");
    CHECK(test::has(b.argv(), "-machine", "q35"));
    CHECK(test::values(b.argv(), "-global").empty());
    CHECK(test::host_paths(b) == std::vector<std::string>{"/usr/share/OVMF/OVMF_CODE_4M.fd",
                                                        "/var/lib/ezkvm/fw/efivars.fd"});
    // qemu writes the vars store only; both are plain files.
    CHECK_FALSE(b.command.host_paths[0].writable);
    CHECK(b.command.host_paths[1].writable);
    CHECK(b.command.host_paths[1].kind == HostPath::Kind::File);

    // A block device as the store is limited to the firmware's store size.
    spec.system.bios.file = "/dev/vm1/fw-efidisk";
    drives = test::values(test::build(spec).argv(), "-drive");
    CHECK(drives[1] == "if=pflash,unit=1,format=raw,file=/dev/vm1/fw-efidisk,size=540672");
}

TEST_CASE("secure boot: SMM machine and SMM-only vars flash")
{
    auto spec = test::base_spec();
    spec.system.bios.secure_boot = true;
    auto fw = test::fake_ovmf();
    fw.code = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd";
    fw.secure_boot = true;
    fw.requires_smm = true;
    auto b = test::build(spec, fw);
    CHECK(test::has(b.argv(), "-machine", "q35,smm=on"));
    CHECK(test::has(b.argv(), "-global", "driver=cfi.pflash01,property=secure,value=on"));

    // Firmware built with SMM needs it even when secure boot is not asked for.
    spec.system.bios.secure_boot = false;
    b = test::build(spec, fw);
    CHECK(test::has(b.argv(), "-machine", "q35,smm=on"));
}

TEST_CASE("firmware errors and SeaBIOS")
{
    auto spec = test::base_spec();
    auto b = test::build(spec, std::nullopt);
    CHECK(test::has_error(b.diags, "no firmware selected"));

    spec.system.bios.type = config::FirmwareType::Seabios;
    b = test::build(spec, std::nullopt);
    CHECK_FALSE(b.diags.has_errors());
    CHECK(test::values(b.argv(), "-drive").empty());
    CHECK(test::values(b.argv(), "-bios").empty());

    firmware::Firmware seabios;
    seabios.type = config::FirmwareType::Seabios;
    seabios.code = "/usr/share/seabios/bios-256k.bin";
    b = test::build(spec, seabios);
    CHECK(test::has(b.argv(), "-bios", "/usr/share/seabios/bios-256k.bin"));
    CHECK(test::has(b.argv(), "-machine", "q35"));
}

TEST_CASE("TPM: CRB for TPM 2.0 on q35, TIS otherwise")
{
    auto spec = test::base_spec("t");
    spec.system.tpm.type = config::TpmType::Swtpm;
    auto b = test::build(spec);
    CHECK(test::has(b.argv(), "-chardev", "socket,id=tpm-chr,path=/run/ezkvm/t/swtpm.sock"));
    CHECK(test::has(b.argv(), "-tpmdev", "emulator,id=tpm0,chardev=tpm-chr"));
    CHECK(test::devices(b.argv(), "tpm-crb").size() == 1);

    spec.system.tpm.version = config::TpmVersion::V1_2;
    CHECK(test::devices(test::build(spec).argv(), "tpm-tis").size() == 1);

    spec.system.tpm.version = config::TpmVersion::V2_0;
    spec.system.chipset.type = config::Chipset::I440fx;
    spec.system.tpm.socket = "/run/old/swtpm-sock";
    spec.system.tpm.disk = "/dev/vm1/t-tpm";
    b = test::build(spec);
    CHECK(test::devices(b.argv(), "tpm-tis").size() == 1);
    CHECK(test::devices(b.argv(), "tpm-crb").empty());
    CHECK(test::has(b.argv(), "-chardev", "socket,id=tpm-chr,path=/run/old/swtpm-sock"));
    CHECK(test::uses(b, "/dev/vm1/t-tpm") == 1);
    CHECK(b.command.host_paths.back().user == HostPath::User::Swtpm);  // swtpm opens it, not qemu
    CHECK(b.command.host_paths.back().kind == HostPath::Kind::Device);

    spec.system.tpm.type = config::TpmType::None;
    CHECK(test::values(test::build(spec).argv(), "-tpmdev").empty());
}

TEST_CASE("control sockets, serial console, kernel boot, applesmc, extra args")
{
    auto spec = test::base_spec("c");
    spec.general.monitor = true;
    spec.system.kernel = {"/boot/vmlinuz", "/boot/initrd.img", "console=ttyS0 root=/dev/vda"};
    spec.system.applesmc_osk = std::string(64, 'k');
    spec.extra_args = {"-device", "pci-testdev"};
    auto b = test::build(spec);
    const auto& argv = b.argv();
    CHECK(test::has(argv, "-chardev", "socket,id=qmp,path=/run/ezkvm/c/qmp.sock,server=on,wait=off"));
    CHECK(test::has(argv, "-mon", "chardev=qmp,mode=control"));
    // The unit's guest watch holds a QMP socket of its own for the VM's life.
    CHECK(test::has(argv, "-chardev", "socket,id=qmp-watch,path=/run/ezkvm/c/qmp-watch.sock,server=on,wait=off"));
    CHECK(test::has(argv, "-mon", "chardev=qmp-watch,mode=control"));
    CHECK(test::has(argv, "-chardev", "socket,id=monitor,path=/run/ezkvm/c/monitor.sock,server=on,wait=off"));
    CHECK(test::has(argv, "-mon", "chardev=monitor,mode=readline"));
    // The units' console goes to the journal, not to a file growing in /run.
    CHECK(test::has(argv, "-chardev", "socket,id=serial0,path=/run/ezkvm/c/console.sock,server=on,wait=off"));
    CHECK(test::has(argv, "-serial", "chardev:serial0"));
    CHECK(test::has(argv, "-kernel", "/boot/vmlinuz"));
    CHECK(test::has(argv, "-initrd", "/boot/initrd.img"));
    CHECK(test::has(argv, "-append", "console=ttyS0 root=/dev/vda"));
    CHECK(test::has(argv, "-device", "isa-applesmc,osk=" + std::string(64, 'k')));
    REQUIRE(argv.size() >= 2);
    CHECK(argv[argv.size() - 2] == "-device");
    CHECK(argv.back() == "pci-testdev");

    // `ezkvm run` keeps a copy of the console in the runtime directory.
    CommandInput run_input;
    run_input.spec = &spec;
    run_input.paths = VmPaths{"/run/ezkvm/c", "/var/lib/ezkvm/c", "/run/credentials/ezkvm@c.service"};
    run_input.firmware = test::fake_ovmf();
    run_input.console_logfile = true;
    Diagnostics run_diags;
    CHECK(test::has(build_command(run_input, run_diags).argv, "-chardev",
                    "socket,id=serial0,path=/run/ezkvm/c/console.sock,server=on,wait=off,"
                    "logfile=/run/ezkvm/c/console.log"));

    spec.serial = false;
    spec.general.monitor = false;
    b = test::build(spec);
    CHECK(test::values(b.argv(), "-serial").empty());
    CHECK(test::values(b.argv(), "-mon") ==
          std::vector<std::string>{"chardev=qmp,mode=control", "chardev=qmp-watch,mode=control"});
}
