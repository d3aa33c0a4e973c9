#!/usr/bin/env python3
"""Boots the test guest straight with qemu (no ezkvm's plan): q35 + SeaBIOS, one virtio-blk
disk, one virtio-net NIC, under KVM where ezkvm's host probe says it runs guests (with the
quirks it found worked around) and TCG elsewhere. Checks the guest's report, then a graceful
ACPI power-off over QMP.

usage: test_guest_smoke.py EZKVM   (for `ezkvm host`)"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Checks, Console, HostKvm, Qmp, guest_paths, parse_report, qemu_process  # noqa: E402

DISK_SERIAL = "EZKVMSMOKE"
DISK_BYTES = 64 * 1024 * 1024
MAC = "52:54:00:e2:4b:01"
BOOT_TIMEOUT = 120
POWEROFF_TIMEOUT = 30


def qemu_argv(tmp, kernel, initrd, host):
    return [
        "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
        "-machine", "q35", *host.accel_argv(), "-smp", "1", "-m", "256",
        "-kernel", str(kernel), "-initrd", str(initrd), "-append", "console=ttyS0",
        "-chardev", f"socket,id=serial0,path={tmp}/serial.sock,server=on,wait=off,"
                    f"logfile={tmp}/serial.log",
        "-serial", "chardev:serial0",
        "-qmp", f"unix:{tmp}/qmp.sock,server=on,wait=off",
        "-drive", f"file={tmp}/disk.qcow2,if=none,id=disk0,format=qcow2",
        "-device", f"virtio-blk-pci,drive=disk0,serial={DISK_SERIAL}",
        "-netdev", "user,id=net0",
        "-device", f"virtio-net-pci,netdev=net0,mac={MAC}",
        "-S",
    ]


def check_report(checks, report):
    checks.check("report cpus=1", report.get("cpus") == "1", report.get("cpus"))
    checks.check("report firmware=bios", report.get("firmware") == "bios", report.get("firmware"))
    checks.check("report secure_boot=none", report.get("secure_boot") == "none",
                 report.get("secure_boot"))
    checks.check("report tpm=none", report.get("tpm") == "none", report.get("tpm"))
    memory_kib = int(report.get("memory_kib", "0"))
    checks.check("report memory within 256 MiB", 128 * 1024 < memory_kib <= 256 * 1024, memory_kib)
    disks = [d for d in report["disk"] if d.get("serial") == DISK_SERIAL]
    if checks.check("report has the disk by serial", len(disks) == 1, report["disk"]):
        checks.check("disk size", disks[0].get("size_sectors") == str(DISK_BYTES // 512), disks[0])
        checks.check("disk is virtio vda", disks[0].get("name") == "vda", disks[0])
    nics = report["nic"]
    if checks.check("report has one NIC", len(nics) == 1, nics):
        checks.check("NIC MAC", nics[0].get("mac") == MAC, nics[0])
        checks.check("NIC driver", nics[0].get("driver") == "virtio_net", nics[0])
    virtio = [p for p in report["pci"] if p.get("vendor") == "0x1af4"]
    checks.check("two virtio PCI functions bound", len(virtio) == 2
                 and all(p.get("driver") == "virtio-pci" for p in virtio), virtio)
    checks.check("cmdline reported", report.get("cmdline") == "console=ttyS0", report.get("cmdline"))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    checks = Checks()
    host = HostKvm(sys.argv[1])
    print(f"accelerator: {host.describe()}", flush=True)
    kernel, initrd = guest_paths()
    with tempfile.TemporaryDirectory(prefix="ezkvm-smoke-") as tmp:
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{tmp}/disk.qcow2",
                        str(DISK_BYTES)], check=True)
        started = time.monotonic()
        with qemu_process(qemu_argv(tmp, kernel, initrd, host), tmp, checks) as qemu:
            console = None
            try:
                qmp = Qmp(f"{tmp}/qmp.sock", timeout=30)
                console = Console.from_socket(f"{tmp}/serial.sock", timeout=30)
                qmp_ready = time.monotonic() - started
                status = qmp.execute("query-status")
                checks.check("qemu starts paused", status.get("return", {}).get("status") == "prelaunch",
                             status)
                kvm = qmp.execute("query-kvm").get("return", {})
                checks.check(f"qemu runs under {'KVM' if host.runs_guests else 'TCG'}",
                             kvm.get("enabled") is host.runs_guests, kvm)
                checks.check("cont", "return" in qmp.execute("cont"))
                booted = time.monotonic()
                end = console.wait_for(r"(?m)^EZKVM-REPORT-END$", BOOT_TIMEOUT, process=qemu)
                boot_seconds = time.monotonic() - booted
                if checks.check(f"guest report within {BOOT_TIMEOUT} s", end is not None,
                                console.text[-2000:]):
                    print(f"qemu start -> QMP {qmp_ready:.1f} s; cont -> report {boot_seconds:.1f} s")
                    check_report(checks, parse_report(console.text))

                mark = console.mark()
                powerdown = time.monotonic()
                checks.check("system_powerdown", "return" in qmp.execute("system_powerdown"))
                shutdown = qmp.wait_event("SHUTDOWN", POWEROFF_TIMEOUT)
                checks.check("SHUTDOWN event from the guest",
                             shutdown is not None and shutdown["data"].get("guest") is True, shutdown)
                try:
                    code = qemu.wait(timeout=max(1, POWEROFF_TIMEOUT - (time.monotonic() - powerdown)))
                except subprocess.TimeoutExpired:
                    code = None
                print(f"system_powerdown -> qemu exit {time.monotonic() - powerdown:.2f} s")
                checks.check(f"qemu exits 0 within {POWEROFF_TIMEOUT} s", code == 0, code)
                console.drain()
                checks.check("guest printed EZKVM-GUEST-POWEROFF",
                             "EZKVM-GUEST-POWEROFF" in console.text[mark:], console.text[mark:])
                log = Path(f"{tmp}/serial.log").read_text(errors="replace")
                checks.check("serial logfile has the report", "EZKVM-REPORT-END" in log)
                qmp.close()
            except (OSError, ValueError) as error:  # QMP/console connection failures, bad JSON
                checks.check("talk to qemu", False, repr(error))
            finally:
                if console:
                    console.close()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
