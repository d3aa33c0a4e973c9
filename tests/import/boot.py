#!/usr/bin/env python3
"""An imported VM boots: tests/import/boot/linux-guest.conf, a Proxmox config whose
disk, UEFI variable store and CD image live on a `dir` storage, is imported with
--storage local=DIR into a new file (-o), and `ezkvm run --console` boots it from
the CD image of the test guest (tests/guest/build-iso). The guest's own report must
show the disk by its serial and size, the NIC by its MAC, UEFI firmware; SIGTERM
must power it off. Where KVM runs no guest (the host probe says so), the config
gets `kvm: 0`, as it would need on such a Proxmox host: Proxmox's CPU flags for KVM
(+kvm_pv_eoi with enforce) cannot be had under TCG.

usage: boot.py EZKVM
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "boot"))
from harness import Checks, HostKvm  # noqa: E402
from test_matrix import OVMF_BOOT_TIMEOUT, Lab, check_disk, check_nic  # noqa: E402

MIB = 1024 * 1024
CONF = HERE / "boot" / "linux-guest.conf"


def make_storage(root):
    """A Proxmox `dir` storage: images/160/ and template/iso/."""
    images = root / "images" / "160"
    images.mkdir(parents=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(images / "vm-160-disk-0.qcow2"), "64M"],
                   check=True)
    shutil.copyfile("/usr/share/OVMF/OVMF_VARS_4M.fd", images / "vm-160-disk-1.raw")
    iso = subprocess.run([str(REPO / "tests" / "guest" / "build-iso")], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    (root / "template" / "iso").mkdir(parents=True)
    (root / "template" / "iso" / "guest.iso").symlink_to(iso)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ezkvm = str(Path(argv[1]).resolve())
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="ezkvm-import-boot-") as tmp:
        lab = Lab(ezkvm, checks, "imported", Path(tmp) / "lab")
        storage = Path(tmp) / "pve-local"
        make_storage(storage)
        vm_file = lab.dir / "imported-guest.yaml"
        conf = Path(tmp) / CONF.name
        conf.write_text(CONF.read_text())
        host = HostKvm(ezkvm)
        if not host.runs_guests:
            print(f"note: {host.describe()}: the config gets kvm: 0")
            conf.write_text(CONF.read_text() + "kvm: 0\n")
        argv = [ezkvm, "import", "proxmox", str(conf), "--storage", f"local={storage}", "-o", str(vm_file)]
        imported = subprocess.run(argv, capture_output=True, text=True, env=lab.env, timeout=60)
        if not checks.check("import exits 0 and writes the file", imported.returncode == 0 and vm_file.is_file(),
                            imported.stderr):
            return checks.finish()
        print(vm_file.read_text())
        again = subprocess.run(argv, capture_output=True, text=True, env=lab.env, timeout=60)
        checks.check("a second import does not overwrite the file",
                     again.returncode != 0 and "exists already" in again.stderr, again.stderr)
        try:
            run = lab.start(vm_file)
            report = run.wait_report(OVMF_BOOT_TIMEOUT + 120)
            if lab.check("the guest's report", report is not None, run.stderr):
                lab.check("firmware=uefi", report.get("firmware") == "uefi", report.get("firmware"))
                lab.check("cpus=1", report.get("cpus") == "1", report.get("cpus"))
                # GRUB (from the CD image) passes BOOT_IMAGE=; direct kernel boot does not.
                lab.check("booted the kernel of the CD through its GRUB",
                          report.get("cmdline", "").startswith("BOOT_IMAGE=/boot/vmlinuz console=ttyS0"),
                          report.get("cmdline"))
                check_disk(lab, report, "PVE-SCSI0", 64 * MIB, "sd")
                check_nic(lab, report, "bc:24:11:16:00:01", "virtio_net")
            lab.stop_gracefully(run, "imported-guest")
        finally:
            if checks.failed:
                lab.dump_logs()
            lab.end()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
