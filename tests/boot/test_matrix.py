#!/usr/bin/env python3
"""Real boots of the test guest through `ezkvm run --console FILE`.

Usage: test_matrix.py EZKVM          the TCG rows (accel: tcg, and accel: auto where the host
                                     probe decides), on every host
       test_matrix.py EZKVM --kvm    the KVM rows (accel: kvm): the demo VM, OVMF + TPM, a
                                     Windows-template VM with its Hyper-V set, SeaBIOS; a
                                     visible skip (77) where the host probe (`ezkvm host`) says
                                     KVM runs no guest here, saying why

Each case writes VM files into its own temp dir, runs them with EZKVM_RUNTIME_DIR and
EZKVM_STATE_DIR pointing there, checks the guest's own report (read from ezkvm's stdout)
against the config, then sends SIGTERM to `ezkvm run` and checks the stop: the guest's
ACPI power-off, ezkvm's exit code, and that the runtime dir, qemu and swtpm are gone.
Boots run one at a time.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from string import Template

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import REPO_ROOT, Checks, Console, HostKvm, guest_paths, parse_report  # noqa: E402

OVMF_BOOT_TIMEOUT = 180
SEABIOS_BOOT_TIMEOUT = 120
# The graceful cases set stop_timeout: 30; ezkvm must be gone well before this.
STOP_WAIT = 60
REPORT_END = r"(?m)^EZKVM-REPORT-END$"
MIB = 1024 * 1024


class Run:
    """One `ezkvm run --console FILE` process; stdout (the guest console) and stderr go to files."""

    def __init__(self, ezkvm, vm_file, env, log_prefix):
        self.stdout_path = Path(f"{log_prefix}.out")
        self.stderr_path = Path(f"{log_prefix}.err")
        self.started = time.monotonic()
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen([ezkvm, "run", "--console", str(vm_file)], env=env,
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.console = Console.from_file(self.stdout_path)
        self.report_seconds = None
        self.stop_seconds = None
        self.console_mark = 0

    @property
    def stderr(self):
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def wait_report(self, timeout):
        """The guest's report (dict), or None when none came within timeout."""
        if self.console.wait_for(REPORT_END, timeout, process=self.process) is None:
            return None
        self.report_seconds = time.monotonic() - self.started
        return parse_report(self.console.text)

    def wait_stderr(self, pattern, timeout):
        """Polls ezkvm's stderr closely (10 ms) for pattern; the match or None."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = regex.search(self.stderr)
            if match or self.process.poll() is not None:
                return match or regex.search(self.stderr)
            time.sleep(0.01)
        return None

    def stop(self, timeout):
        """SIGTERM to ezkvm; its exit code, or None when it is still running after timeout."""
        self.console_mark = self.console.mark()
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.stop_seconds = time.monotonic() - sent
        self.console.drain(0.3)
        return code

    def console_after_stop(self):
        return self.console.text[self.console_mark:]

    def timing(self, stop_name):
        report = f"report {self.report_seconds:.1f} s" if self.report_seconds is not None else "no report"
        stop = f"{self.stop_seconds:.1f} s" if self.stop_seconds is not None else "timed out"
        return f"{report}, {stop_name} {stop}"

    def end(self):
        """Makes sure ezkvm (and so qemu and swtpm) is gone, however the case went."""
        # A second SIGTERM makes ezkvm quit qemu at once.
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            if self.process.poll() is not None:
                break
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        self.console.close()


class Lab:
    """One case's temp dir, environment and the checks every boot shares."""

    def __init__(self, ezkvm, checks, case, directory):
        self.ezkvm = ezkvm
        self.checks = checks
        self.case = case
        self.dir = Path(directory)
        self.images = self.dir / "images"
        self.images.mkdir(parents=True)
        self.runtime_base = self.dir / "run"
        self.state_base = self.dir / "state"
        self.env = dict(os.environ, EZKVM_RUNTIME_DIR=str(self.runtime_base),
                        EZKVM_STATE_DIR=str(self.state_base),
                        EZKVM_TEMPLATES_DIR=str(REPO_ROOT / "etc" / "templates"))
        self.runs = []
        self.timings = []

    def check(self, name, condition, detail=""):
        return self.checks.check(f"{self.case}: {name}", condition, detail)

    def write_vm(self, name, text, **values):
        """Writes <dir>/<name>.yaml from text with $images, $kernel, $initrd, ... substituted."""
        path = self.dir / f"{name}.yaml"
        path.write_text(Template(text).substitute(images=self.images, **values))
        return path

    def show_argv(self, vm_file):
        result = subprocess.run([self.ezkvm, "show", "--json", str(vm_file)], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not self.check("ezkvm show --json", result.returncode == 0, result.stderr):
            return []
        return json.loads(result.stdout)

    def start(self, vm_file):
        run = Run(self.ezkvm, vm_file, self.env, self.dir / f"{vm_file.stem}-{len(self.runs) + 1}")
        self.runs.append(run)
        return run

    def boot(self, vm_file, timeout, firmware, cmdline):
        """Starts the VM and checks the basics of its report; (run, report or None)."""
        run = self.start(vm_file)
        report = run.wait_report(timeout)
        label = f"boot {len(self.runs)}"
        if not self.check(f"{label}: guest report within {timeout} s", report is not None,
                          f"ezkvm exit {run.process.poll()}; stderr:\n{run.stderr}"
                          f"\nconsole tail:\n{run.console.text[-1500:]}"):
            return run, None
        self.check(f"{label}: cpus=1", report.get("cpus") == "1", report.get("cpus"))
        memory_kib = int(report.get("memory_kib", "0"))
        self.check(f"{label}: memory within 256 MiB", 128 * 1024 < memory_kib <= 256 * 1024, memory_kib)
        self.check(f"{label}: firmware={firmware}", report.get("firmware") == firmware,
                   report.get("firmware"))
        # OVMF's loader appends initrd=... to the kernel command line.
        self.check(f"{label}: kernel cmdline", report.get("cmdline", "").startswith(cmdline),
                   report.get("cmdline"))
        return run, report

    def stop_gracefully(self, run, vm_name):
        """SIGTERM; checks the ACPI power-off, exit 0 and that nothing is left behind."""
        label = f"boot {self.runs.index(run) + 1}"
        code = run.stop(STOP_WAIT)
        self.check(f"{label}: ezkvm exits 0 after SIGTERM", code == 0, f"exit {code}; stderr:\n{run.stderr}")
        self.check(f"{label}: guest printed EZKVM-GUEST-POWEROFF",
                   "EZKVM-GUEST-POWEROFF" in run.console_after_stop(), run.console_after_stop()[-1000:])
        self.check(f"{label}: ezkvm saw the guest power off", "guest powered off" in run.stderr, run.stderr)
        self.check_nothing_left(label, vm_name)
        self.timings.append(f"{label}: {run.timing('stop')}")
        return code

    def check_nothing_left(self, label, vm_name):
        runtime_dir = self.runtime_base / vm_name
        self.check(f"{label}: runtime dir removed", not runtime_dir.exists(),
                   sorted(p.name for p in runtime_dir.iterdir()) if runtime_dir.exists() else "")
        for program in ("swtpm", "qemu"):
            left = processes_mentioning(program, str(self.dir))
            self.check(f"{label}: no {program} process left", not left, left)

    def end(self):
        for run in self.runs:
            run.end()

    def dump_logs(self):
        for run in self.runs:
            print(f"--- {run.stderr_path.name} ---\n{run.stderr}")
            print(f"--- {run.stdout_path.name} (tail) ---\n{run.console.text[-3000:]}")


def processes_mentioning(program, text):
    """[(pid, cmdline)] of processes whose program name contains program and whose
    command line contains text."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and program in os.path.basename(argv[0].decode(errors="replace")):
            cmdline = b" ".join(argv).decode(errors="replace")
            if text in cmdline:
                found.append((int(entry.name), cmdline))
    return found


def image_info(path):
    result = subprocess.run(["qemu-img", "info", "--output=json", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return json.loads(result.stdout) if result.returncode == 0 else {"error": result.stderr}


def disk_with_serial(report, serial):
    disks = [d for d in report["disk"] if d.get("serial") == serial]
    return disks[0] if len(disks) == 1 else None


def check_disk(lab, report, serial, size_bytes, name_prefix):
    disk = disk_with_serial(report, serial)
    if lab.check(f"guest sees disk {serial}", disk is not None, report["disk"]):
        lab.check(f"disk {serial} is a {name_prefix}* device", disk["name"].startswith(name_prefix), disk)
        lab.check(f"disk {serial} size", disk.get("size_sectors") == str(size_bytes // 512), disk)


def check_nic(lab, report, mac, driver):
    nics = [n for n in report["nic"] if n.get("mac") == mac]
    if lab.check(f"guest sees NIC {mac}", len(nics) == 1, report["nic"]):
        lab.check(f"NIC {mac} driver {driver}", nics[0].get("driver") == driver, nics[0])


def kernel_values(kernel):
    vmlinuz, initrd = guest_paths(kernel)
    return {"kernel": vmlinuz, "initrd": initrd}


# The YAML every case shares: the test guest booted directly, 1 vCPU, 256 MiB, no display.
COMMON = """\
  memory: { max: 256M }
  kernel:
    image: $kernel
    initrd: $initrd
    cmdline: "$cmdline"
gpu: { type: none }
display: { type: none }
"""


def case_q35_ovmf_devices(lab):
    """q35 + OVMF + swtpm TPM 2.0 + virtio-blk + virtio-scsi group + virtio-net (user)."""
    cmdline = "console=ttyS0"
    vm = lab.write_vm("q35-ovmf", """\
general: { accel: tcg, stop_timeout: 30 }
system:
  chipset: { type: q35 }
  bios: { type: ovmf }
  tpm: { type: swtpm, version: "2.0" }
""" + COMMON + """\
storage:
  - { type: virtio-blk, file: $images/blk.qcow2, create: yes, size: 64M, serial: EZ-BLK }
  - controller: virtio-scsi
    drives:
      - { type: hd, file: $images/scsi.qcow2, create: yes, size: 48M, serial: EZ-SCSI }
network:
  - { type: user, mac: "52:54:00:e2:4b:11" }
""", cmdline=cmdline, **kernel_values("cloud"))
    run, report = lab.boot(vm, OVMF_BOOT_TIMEOUT, "uefi", cmdline)
    if report:
        lab.check("secure_boot=off", report.get("secure_boot") == "off", report.get("secure_boot"))
        lab.check("tpm=2", report.get("tpm") == "2", report.get("tpm"))
        lab.check("tpm_driver=tpm_crb", report.get("tpm_driver") == "tpm_crb", report.get("tpm_driver"))
        check_disk(lab, report, "EZ-BLK", 64 * MIB, "vd")
        check_disk(lab, report, "EZ-SCSI", 48 * MIB, "sd")
        check_nic(lab, report, "52:54:00:e2:4b:11", "virtio_net")
    lab.stop_gracefully(run, "q35-ovmf")
    for image, size in (("blk.qcow2", 64 * MIB), ("scsi.qcow2", 48 * MIB)):
        info = image_info(lab.images / image)
        lab.check(f"{image} created as qcow2 of {size} bytes",
                  info.get("format") == "qcow2" and info.get("virtual-size") == size, info)
        lab.check(f"ezkvm said it created {image}", f"{lab.images / image}" in run.stderr, run.stderr)
    state = lab.state_base / "q35-ovmf"
    lab.check("UEFI variable store in the state dir", (state / "efivars.fd").is_file())
    tpm_files = list((state / "tpm").iterdir()) if (state / "tpm").is_dir() else []
    lab.check("swtpm kept its state in the state dir", tpm_files, state)


def case_secure_boot(lab):
    """q35 + secure-boot OVMF."""
    cmdline = "console=ttyS0"
    vm = lab.write_vm("secure-boot", """\
general: { accel: tcg, stop_timeout: 30 }
system:
  chipset: { type: q35 }
  bios: { type: ovmf, secure_boot: yes }
""" + COMMON, cmdline=cmdline, **kernel_values("cloud"))
    run, report = lab.boot(vm, OVMF_BOOT_TIMEOUT, "uefi", cmdline)
    if report:
        lab.check("secure_boot=on", report.get("secure_boot") == "on", report.get("secure_boot"))
    lab.stop_gracefully(run, "secure-boot")


def case_i440fx_seabios_legacy(lab):
    """i440fx + SeaBIOS + IDE disk + SATA group + e1000 + TPM 2.0 (tpm-tis); generic kernel."""
    cmdline = "console=ttyS0"
    mac = "52:54:00:e2:4b:31"
    vm = lab.write_vm("i440fx", """\
general: { accel: tcg, stop_timeout: 30 }
system:
  chipset: { type: i440fx }
  bios: { type: seabios }
  tpm: { type: swtpm, version: "2.0" }
""" + COMMON + """\
storage:
  - { type: ide-hd, file: $images/ide.qcow2, create: yes, size: 16M, serial: EZ-IDE }
  - controller: sata
    drives:
      - { file: $images/sata.qcow2, create: yes, size: 24M, serial: EZ-SATA }
network:
  - { type: user, driver: e1000, mac: "$mac" }
""", cmdline=cmdline, mac=mac, **kernel_values("generic"))
    run, report = lab.boot(vm, SEABIOS_BOOT_TIMEOUT, "bios", cmdline)
    if report:
        host_bridge = [p for p in report["pci"] if p["address"] == "00:00.0"]
        lab.check("i440FX host bridge", host_bridge and host_bridge[0].get("device") == "0x1237", host_bridge)
        lab.check("tpm=2", report.get("tpm") == "2", report.get("tpm"))
        lab.check("tpm_driver=tpm_tis", report.get("tpm_driver") == "tpm_tis", report.get("tpm_driver"))
        check_disk(lab, report, "EZ-IDE", 16 * MIB, "sd")
        check_disk(lab, report, "EZ-SATA", 24 * MIB, "sd")
        ahci = [p for p in report["pci"] if p.get("driver") == "ahci"]
        lab.check("an AHCI controller bound to ahci", len(ahci) == 1, report["pci"])
        check_nic(lab, report, mac, "e1000")
    lab.stop_gracefully(run, "i440fx")


def pci_slots_in_argv(argv):
    """The PCI slots the plan gave its devices (addr=0xNN of each -device)."""
    slots = []
    for option, value in zip(argv, argv[1:]):
        if option == "-device":
            match = re.search(r"(?:^|,)addr=0x([0-9a-f]+)(?:,|$)", value)
            if match:
                slots.append(int(match.group(1), 16))
    return slots


def macs_in_argv(argv):
    return [m.group(1) for option, value in zip(argv, argv[1:]) if option == "-device"
            for m in [re.search(r"(?:^|,)mac=([0-9a-f:]+)(?:,|$)", value)] if m]


def added_pci_devices(report):
    """The report's PCI functions other than q35's own (host bridge, ICH9 functions on 1f)."""
    return [p for p in report["pci"] if p["address"] != "00:00.0" and not p["address"].startswith("00:1f.")]


def case_many_devices(lab):
    """3 NICs with derived MACs + 3 disks on q35 + SeaBIOS, booted twice."""
    cmdline = "console=ttyS0"
    vm = lab.write_vm("many", """\
general: { accel: tcg, stop_timeout: 30 }
system:
  chipset: { type: q35 }
  bios: { type: seabios }
""" + COMMON + """\
storage:
  - { type: virtio-blk, file: $images/a.qcow2, create: yes, size: 16M, serial: EZ-A }
  - { type: virtio-blk, file: $images/b.qcow2, create: yes, size: 20M, serial: EZ-B }
  - { type: nvme, file: $images/c.qcow2, create: yes, size: 24M, serial: EZ-C }
network:
  - { type: user }
  - { type: user }
  - { type: user }
""", cmdline=cmdline, **kernel_values("cloud"))
    argv = lab.show_argv(vm)
    planned_macs = macs_in_argv(argv)
    lab.check("three MACs on the command line, all different", len(set(planned_macs)) == 3, planned_macs)
    lab.check("derived MACs have QEMU's prefix 52:54:00",
              all(m.startswith("52:54:00:") for m in planned_macs), planned_macs)
    planned_slots = sorted(pci_slots_in_argv(argv))
    seen_macs = []
    for boot in (1, 2):
        run, report = lab.boot(vm, SEABIOS_BOOT_TIMEOUT, "bios", cmdline)
        if report:
            macs = [n.get("mac") for n in sorted(report["nic"], key=lambda n: n.get("name", ""))]
            seen_macs.append(macs)
            lab.check(f"boot {boot}: guest NIC MACs are those of ezkvm show --json",
                      sorted(macs) == sorted(planned_macs), f"guest {macs}, planned {planned_macs}")
            lab.check(f"boot {boot}: every NIC bound to virtio_net",
                      len(report["nic"]) == 3 and all(n.get("driver") == "virtio_net" for n in report["nic"]),
                      report["nic"])
            for serial, size, prefix in (("EZ-A", 16, "vd"), ("EZ-B", 20, "vd"), ("EZ-C", 24, "nvme")):
                check_disk(lab, report, serial, size * MIB, prefix)
            devices = added_pci_devices(report)
            slots = [int(p["address"].split(":")[1].split(".")[0], 16) for p in devices]
            lab.check(f"boot {boot}: each added PCI device on its own slot, function 0",
                      len(set(slots)) == len(slots) and all(p["address"].endswith(".0") for p in devices),
                      devices)
            lab.check(f"boot {boot}: the guest's PCI slots are the planned ones (6 devices at least)",
                      sorted(slots) == planned_slots and len(slots) >= 6,
                      f"guest {sorted(slots)}, planned {planned_slots}")
        lab.stop_gracefully(run, "many")
    lab.check("derived MACs equal across two boots", len(seen_macs) == 2 and seen_macs[0] == seen_macs[1],
              seen_macs)


def file_sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def case_vars_store_reused(lab):
    """OVMF without bios.file booted twice: the vars store is made once, then reused as is."""
    cmdline = "console=ttyS0"
    vm = lab.write_vm("vars", """\
general: { accel: tcg, stop_timeout: 30 }
system:
  chipset: { type: q35 }
  bios: { type: ovmf }
""" + COMMON, cmdline=cmdline, **kernel_values("cloud"))
    store = lab.state_base / "vars" / "efivars.fd"
    run, _ = lab.boot(vm, OVMF_BOOT_TIMEOUT, "uefi", cmdline)
    lab.stop_gracefully(run, "vars")
    lab.check("boot 1: ezkvm created the UEFI variable store",
              f"created UEFI variable store {store}" in run.stderr, run.stderr)
    if not lab.check("boot 1: the store exists", store.is_file()):
        return
    inode, digest = store.stat().st_ino, file_sha256(store)

    run = lab.start(vm)
    # qemu starts paused (--console) and OVMF writes its variables seconds later under TCG:
    # what the file holds when qemu starts is what ezkvm left there.
    started = run.wait_stderr(r"started qemu \(pid \d+\)", 30)
    at_start = file_sha256(store) if started and store.exists() else None
    lab.check("boot 2: store unchanged when qemu starts", at_start == digest, run.stderr)
    report = run.wait_report(OVMF_BOOT_TIMEOUT)
    lab.check(f"boot 2: guest report within {OVMF_BOOT_TIMEOUT} s", report is not None, run.stderr)
    if report:
        lab.check("boot 2: firmware=uefi", report.get("firmware") == "uefi", report.get("firmware"))
    lab.stop_gracefully(run, "vars")
    lab.check("boot 2: same store (inode)", store.exists() and store.stat().st_ino == inode)
    lab.check("boot 2: ezkvm did not create a store", "UEFI variable store" not in run.stderr, run.stderr)


def case_guest_ignores_acpi(lab):
    """A guest that ignores the power button: ezkvm quits qemu after stop_timeout, exit 1."""
    cmdline = "console=ttyS0 ezkvm.ignore_acpi=1"
    stop_timeout = 5
    vm = lab.write_vm("stubborn", """\
general: { accel: auto, stop_timeout: $stop_timeout }
system:
  chipset: { type: q35 }
  bios: { type: seabios }
  tpm: { type: swtpm }
""" + COMMON, cmdline=cmdline, stop_timeout=stop_timeout, **kernel_values("cloud"))
    run, report = lab.boot(vm, SEABIOS_BOOT_TIMEOUT, "bios", cmdline)
    if report:
        lab.check("guest ignores ACPI", "EZKVM-IGNORING-ACPI" in run.console.text)
        lab.check("tpm=2", report.get("tpm") == "2", report.get("tpm"))
    code = run.stop(STOP_WAIT)
    stderr = run.stderr
    lab.check("ezkvm exits 1 after forcing qemu to quit", code == 1, f"exit {code}; stderr:\n{stderr}")
    lab.check(f"ezkvm waited stop_timeout ({stop_timeout} s) first",
              run.stop_seconds is not None and stop_timeout <= run.stop_seconds < stop_timeout + 20,
              run.stop_seconds)
    lab.check("ezkvm says the guest did not power off in time",
              f"the guest did not power off within {stop_timeout} s: making qemu quit" in stderr, stderr)
    lab.check("ezkvm says the guest did not shut down cleanly",
              "after being forced to stop; the guest did not shut down cleanly" in stderr, stderr)
    lab.check("qemu quit on QMP quit, without a SIGTERM", "sending SIGTERM to qemu" not in stderr, stderr)
    lab.check("no guest power-off", "EZKVM-GUEST-POWEROFF" not in run.console_after_stop(),
              run.console_after_stop()[-1000:])
    lab.check_nothing_left("boot 1", "stubborn")
    lab.timings.append(f"boot 1: {run.timing('forced stop')}")


def under_kvm(lab, run, label="boot 1"):
    lab.check(f"{label}: ezkvm says the VM runs under KVM", "VM running under KVM" in run.stderr, run.stderr)


def case_kvm_demo(lab):
    """The demo VM (etc/examples/demo.yaml) with accel: kvm: q35, OVMF, TPM 2.0, a created disk."""
    demo = (REPO_ROOT / "etc" / "examples" / "demo.yaml").read_text()
    vmlinuz, initrd = guest_paths("cloud")
    text = (demo.replace("accel: auto", "accel: kvm")
            .replace("/var/cache/ezkvm-test/guest/vmlinuz", str(vmlinuz))
            .replace("/var/cache/ezkvm-test/guest/initrd.img", str(initrd))
            .replace("/var/lib/ezkvm/demo/data.qcow2", "$images/data.qcow2"))
    vm = lab.write_vm("demo", text)
    run, report = lab.boot(vm, OVMF_BOOT_TIMEOUT, "uefi", "console=ttyS0 quiet")
    under_kvm(lab, run)
    if report:
        lab.check("tpm=2", report.get("tpm") == "2", report.get("tpm"))
        check_disk(lab, report, "EZKVM-DEMO", 64 * MIB, "vd")
    lab.stop_gracefully(run, "demo")


def case_kvm_ovmf_tpm(lab):
    """q35 + OVMF + swtpm TPM 2.0 under KVM."""
    cmdline = "console=ttyS0"
    vm = lab.write_vm("kvm-ovmf", """\
general: { accel: kvm, stop_timeout: 30 }
system:
  chipset: { type: q35 }
  bios: { type: ovmf }
  tpm: { type: swtpm, version: "2.0" }
""" + COMMON, cmdline=cmdline, **kernel_values("cloud"))
    run, report = lab.boot(vm, OVMF_BOOT_TIMEOUT, "uefi", cmdline)
    under_kvm(lab, run)
    if report:
        lab.check("tpm=2", report.get("tpm") == "2", report.get("tpm"))
    lab.stop_gracefully(run, "kvm-ovmf")


def case_kvm_windows_template(lab):
    """The windows-11 template (secure-boot OVMF with SMM, TPM 2.0, its Hyper-V set, local
    time) under KVM, with the enlightenments this KVM refuses left out."""
    cmdline = "console=ttyS0"
    vm = lab.write_vm("kvm-windows", """\
general: { template: windows-11, accel: kvm, stop_timeout: 30 }
system:
  cpu: { cores: 1 }
""" + COMMON, cmdline=cmdline, **kernel_values("cloud"))
    argv = lab.show_argv(vm)
    cpu = argv[argv.index("-cpu") + 1] if "-cpu" in argv else ""
    lab.check("the Hyper-V set is on -cpu", "hv_relaxed" in cpu, cpu)
    run, report = lab.boot(vm, OVMF_BOOT_TIMEOUT, "uefi", cmdline)
    under_kvm(lab, run)
    if report:
        lab.check("secure_boot=on", report.get("secure_boot") == "on", report.get("secure_boot"))
        lab.check("tpm=2", report.get("tpm") == "2", report.get("tpm"))
    lab.stop_gracefully(run, "kvm-windows")


def case_kvm_seabios(lab):
    """q35 + SeaBIOS under KVM."""
    cmdline = "console=ttyS0"
    vm = lab.write_vm("kvm-seabios", """\
general: { accel: kvm, stop_timeout: 30 }
system:
  chipset: { type: q35 }
  bios: { type: seabios }
""" + COMMON, cmdline=cmdline, **kernel_values("cloud"))
    run, _ = lab.boot(vm, SEABIOS_BOOT_TIMEOUT, "bios", cmdline)
    under_kvm(lab, run)
    lab.stop_gracefully(run, "kvm-seabios")


CASES = [
    ("q35-ovmf-tpm-disks-nic", case_q35_ovmf_devices),
    ("q35-ovmf-secure-boot", case_secure_boot),
    ("i440fx-seabios-ide-sata-e1000-tpm", case_i440fx_seabios_legacy),
    ("several-nics-and-disks", case_many_devices),
    ("ovmf-vars-store-reused", case_vars_store_reused),
    ("guest-ignores-acpi", case_guest_ignores_acpi),
]

KVM_CASES = [
    ("kvm-demo", case_kvm_demo),
    ("kvm-q35-ovmf-tpm", case_kvm_ovmf_tpm),
    ("kvm-windows-11-template", case_kvm_windows_template),
    ("kvm-q35-seabios", case_kvm_seabios),
]

SKIP = 77


def main():
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--kvm"]):
        print("usage: test_matrix.py EZKVM [--kvm]", file=sys.stderr)
        return 2
    ezkvm = str(Path(sys.argv[1]).resolve())
    host = HostKvm(ezkvm)
    cases = KVM_CASES if sys.argv[2:] == ["--kvm"] else CASES
    if cases is KVM_CASES and not host.runs_guests:
        print(f"SKIP the KVM rows were not run: KVM does not run guests here ({host.reason})")
        return SKIP
    print(f"accel: auto runs under {host.describe()}", flush=True)
    checks = Checks()
    # Build both guests up front, so no case's timing includes a build.
    guest_paths("cloud")
    guest_paths("generic")
    summary = []
    matrix_started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ezkvm-boot-matrix-") as tmp:
        for name, case in cases:
            print(f"=== {name}", flush=True)
            failed_before = checks.failed
            started = time.monotonic()
            lab = Lab(ezkvm, checks, name, Path(tmp) / name)
            try:
                case(lab)
            except Exception:  # a broken case must not stop the matrix or leave VMs running
                checks.check(f"{name}: runs without an exception", False, traceback.format_exc())
            finally:
                lab.end()
            seconds = time.monotonic() - started
            ok = checks.failed == failed_before
            if not ok:
                lab.dump_logs()
            summary.append((name, ok, seconds, lab.timings))
    print("=== cases")
    for name, ok, seconds, timings in summary:
        print(f"{'PASS' if ok else 'FAIL'} {name}: {seconds:.1f} s ({'; '.join(timings)})")
    passed = sum(1 for _, ok, _, _ in summary if ok)
    print(f"cases: {passed} passed, {len(summary) - passed} failed, "
          f"{time.monotonic() - matrix_started:.0f} s in all")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
