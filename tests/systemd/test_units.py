#!/usr/bin/env python3
"""ezkvm's generator and shipped units in a real systemd 252 (container.py), installed by
`meson install --destdir` of the build under test and bind-mounted into the container.

In one container: the generator on daemon-reload with a bad file among good ones,
systemd-analyze verify of every generated unit, `systemctl start ezkvm@demo` (the test guest
with OVMF and a TPM 2.0 under TCG) returning once QMP says running, qemu and swtpm running
as ezkvm, the guest's console in the unit's journal and on console-attach.sock,
systemd-analyze security scores (also of a passthrough VM, loaded but not started),
`systemctl stop` through ACPI, a guest that ignores ACPI
stopped after its stop timeout, the host probe before the first VM (its reload, the command
line of an accel: auto VM for what it found, a stale unit refused), a guest panic failing
its unit, kill -9 of qemu. In a second one, booted with a VM file
already in /etc/ezkvm: the generator at boot and an autostart VM running after boot.

usage: test_units.py BUILD_DIR   (a build configured with --prefix=/usr or /usr/local)
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "boot"))
from container import Container  # noqa: E402
from harness import guest_paths, parse_report  # noqa: E402
from shared_steps import install_qmp_query, qmp_status as qmp_socket_status  # noqa: E402

GUEST_DIR = "/var/cache/ezkvm-test/guest"  # where the test guest is bound in the container
# systemd searches both for units, generators, sysusers.d and tmpfiles.d.
SUPPORTED_PREFIXES = ("/usr", "/usr/local")
# The guest under TCG inside a container on a loaded machine: generous.
REPORT_TIMEOUT = 300
SECURITY_TARGET = 1.5
PASSTHROUGH_SECURITY_TARGET = 3.0

DEMO_YAML = f"""\
# Like etc/examples/demo.yaml, under TCG.
general:
  description: ezkvm test guest
  accel: tcg
  stop_timeout: 60
system:
  chipset: {{ type: q35 }}
  bios: {{ type: ovmf }}
  cpu: {{ cores: 1 }}
  memory: {{ max: 256M }}
  tpm: {{ type: swtpm, version: "2.0" }}
  kernel:
    image: {GUEST_DIR}/vmlinuz
    initrd: {GUEST_DIR}/initrd.img
    cmdline: console=ttyS0 quiet
gpu: {{ type: none }}
display: {{ type: none }}
storage:
  - {{ type: virtio-blk, file: /var/lib/ezkvm/demo/data.qcow2, create: yes, size: 64M, serial: EZKVM-DEMO }}
network:
  - {{ type: user, mac: "52:54:00:12:34:56" }}
"""

# SeaBIOS and no TPM: boots fastest.
SMALL_YAML = """\
general:
  accel: tcg
  stop_timeout: {stop_timeout}
  autostart: {autostart}
system:
  bios: {{ type: seabios }}
  memory: {{ max: 256M }}
  kernel:
    image: {guest}/vmlinuz
    initrd: {guest}/initrd.img
    cmdline: console=ttyS0 quiet{cmdline}
gpu: {{ type: none }}
display: {{ type: none }}
"""

STUBBORN_YAML = SMALL_YAML.format(stop_timeout=5, autostart="no", guest=GUEST_DIR,
                                  cmdline=" ezkvm.ignore_acpi=1")
# accel: auto, so the host probe decides how it runs.
PROBED_YAML = SMALL_YAML.format(stop_timeout=30, autostart="no", guest=GUEST_DIR, cmdline="").replace(
    "accel: tcg", "accel: auto")
# A guest that crashes its kernel after the report, with a pvpanic device to tell qemu.
PANICKY_YAML = SMALL_YAML.format(stop_timeout=30, autostart="no", guest=GUEST_DIR,
                                 cmdline=" ezkvm.panic=1") + 'extra_args: ["-device", "pvpanic"]\n'
STALE_DROPIN = "[Service]\nEnvironment=EZKVM_HOST_FINGERPRINT=0123456789abcdef\n"
AUTOSTART_YAML = SMALL_YAML.format(stop_timeout=30, autostart="yes", guest=GUEST_DIR, cmdline="")

# GPU and host PCI passthrough: only loaded and scored, never started (the container has
# no VFIO devices), so its unit must not need any other unit to load.
PASSTHROUGH_YAML = """\
general: {{ description: passthrough hardening }}
system:
  chipset: {{ type: q35 }}
  bios: {{ type: ovmf }}
  memory: {{ max: 1G }}
gpu:
  type: passthrough
  pci:
    - {{ vm_id: "0.0", host_id: "{gpu}", multi_function: yes }}
display: {{ type: none }}
host:
  pci:
    - {{ host_id: "{other}" }}
"""

BROKEN_YAML = """\
system:
  memory:
    max: 1G
    baloon: yes
"""
BROKEN_ERROR = "/etc/ezkvm/broken.yaml:4:5: error: system.memory.baloon: unknown key"

# Attaches to console-attach.sock as `ezkvm console` would and prints what comes until EOF.
CONSOLE_READER = """
import socket, sys
sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
print("attached", flush=True)
while True:
    data = sock.recv(65536)
    if not data:
        break
    sys.stdout.write(data.decode(errors="replace").replace("\\r", ""))
    sys.stdout.flush()
print("console closed", flush=True)
"""


class Timer:
    def __init__(self):
        self.started = time.monotonic()

    @property
    def seconds(self):
        return time.monotonic() - self.started


def wait_until(predicate, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# --- installation ----------------------------------------------------------------------

def build_prefix(build_dir):
    result = subprocess.run(["meson", "introspect", str(build_dir), "--buildoptions"],
                            stdout=subprocess.PIPE, text=True, check=True)
    return next(o["value"] for o in json.loads(result.stdout) if o["name"] == "prefix")


def install(build_dir, destdir):
    subprocess.run(["meson", "install", "-C", str(build_dir), "--no-rebuild", "--quiet",
                    "--destdir", str(destdir)], stdout=subprocess.DEVNULL, check=True)


def install_binds(destdir, root):
    """(host path, container path) read-only binds that put the installed tree into the
    container: whole directories where the root has none, else file by file. Symlinks are
    bound as the file they point to (their absolute targets only exist in the container).
    Empty directories (/etc/ezkvm) are left out: bound read-only, tests could not write into them."""
    binds = []

    def walk(host):
        inside = "/" + str(host.relative_to(destdir))
        if host.is_symlink():
            target = Path(os.readlink(host))
            target = destdir / target.relative_to("/") if target.is_absolute() else host.parent / target
            binds.append((target.resolve(), inside))
        elif host.is_dir() and not any(host.iterdir()):
            return
        elif not (root / inside.lstrip("/")).exists():
            binds.append((host, inside))
        elif host.is_dir():
            for entry in sorted(host.iterdir()):
                walk(entry)
        else:
            binds.append((host, inside))

    for entry in sorted(destdir.iterdir()):
        walk(entry)
    return binds


# --- helpers inside the container -------------------------------------------------------

def prop(box, unit, name):
    return box.systemctl("show", "-P", name, unit).stdout.strip()


def process_uid(box, pid):
    if not pid or pid == "0":
        return None
    text = box.run(["ps", "-o", "uid=", "-p", pid], check=False).stdout.strip()
    return int(text) if text.isdigit() else None


def dynamic_uid(box, user):
    """The uid systemd gave the dynamic user `user` (ezkvm-<vm>) while a unit of it runs, or None."""
    reply = box.run(["busctl", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                     "org.freedesktop.systemd1.Manager", "LookupDynamicUserByName", "s", user],
                    check=False).stdout.split()
    return int(reply[1]) if len(reply) == 2 and reply[1].isdigit() else None


def runs_as_vm_user(box, pid, vm_user):
    """Whether process `pid` runs as the VM's own dynamic user (never root)."""
    uid = dynamic_uid(box, vm_user)
    return uid is not None and uid != 0 and process_uid(box, pid) == uid


def qmp_status(box, vm):
    return qmp_socket_status(box, f"/run/ezkvm/{vm}/qmp.sock")


def generator_log(box):
    """What ezkvm-generator wrote to /dev/kmsg. A container has none (PID 1's stderr, the
    fallback, is /dev/null there): check_generator puts a plain file in its place."""
    return box.host_path("/dev/kmsg").read_text(errors="replace")


def manager_log(box):
    return box.run(["journalctl", "-b", "--no-pager", "-o", "cat"], check=False).stdout


def security_score(box, unit):
    output = box.run(["systemd-analyze", "security", "--no-pager", unit], check=False).stdout
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", output)
    return (float(match.group(1)), match.group(2), output) if match else (None, None, output)


# --- the steps ---------------------------------------------------------------------------

def check_setup(checks, box):
    box.run(["systemd-sysusers"])
    box.run(["systemd-tmpfiles", "--create"])
    group = box.run(["getent", "group", "ezkvm"], check=False).stdout
    checks.check("sysusers.d creates group ezkvm (for people)", group.startswith("ezkvm:"), group)
    user = box.run(["getent", "passwd", "ezkvm"], check=False)
    checks.check("and no user ezkvm: each VM has its own", user.returncode != 0, user.stdout)
    mode = box.run(["stat", "-c", "%a %U", "/run/ezkvm", "/var/lib/ezkvm"], check=False).stdout.split("\n")
    checks.check("tmpfiles.d creates /run/ezkvm and /var/lib/ezkvm", mode[:2] == ["755 root", "755 root"], mode)
    install_qmp_query(box)
    box.write_file("/usr/local/lib/ezkvm-test/console-reader.py", CONSOLE_READER)


def check_generator(checks, box, times):
    box.write_file("/etc/ezkvm/demo.yaml", DEMO_YAML)
    box.write_file("/etc/ezkvm/stubborn.yaml", STUBBORN_YAML)
    box.write_file("/etc/ezkvm/broken.yaml", BROKEN_YAML)
    box.write_file("/dev/kmsg", "")
    timer = Timer()
    box.systemctl("daemon-reload")
    times["daemon-reload with 3 VM files"] = timer.seconds
    generated = box.run("cd /run/systemd/generator && find . -path './ezkvm*' | sort", check=False).stdout
    for unit in ("ezkvm@demo.service.d", "ezkvm-swtpm@demo.service.d", "ezkvm@stubborn.service.d"):
        checks.check(f"generator wrote {unit}/50-ezkvm.conf", f"./{unit}/50-ezkvm.conf" in generated, generated)
    checks.check("no socket drop-in where the shipped ezkvm-swtpm@.socket fits",
                 "ezkvm-swtpm@demo.socket" not in generated, generated)
    checks.check("no units for the bad file", "broken" not in generated, generated)
    checks.check("no swtpm units for a VM without TPM", "ezkvm-swtpm@stubborn" not in generated, generated)
    source = prop(box, "ezkvm@demo.service", "SourcePath")
    checks.check("SourcePath= names the VM file", source == "/etc/ezkvm/demo.yaml", source)
    log = generator_log(box)
    checks.check("the bad file is logged with file:line:col at error priority",
                 "<3>ezkvm-generator[" in log and f"]: {BROKEN_ERROR}" in log, log)
    checks.check("the skipped VM is logged", "no units for VM 'broken'" in log, log)
    failed = wait_until(lambda: "ezkvm-generator failed with exit status 1" in manager_log(box), 10)
    checks.check("systemd notes the generator's exit status", failed, manager_log(box)[-2000:])


def check_verify(checks, box):
    units = box.run("cd /run/systemd/generator && ls -d ezkvm*@*.d | sed 's/\\.d$//' | sort",
                    check=False).stdout.split()
    checks.check("generated units to verify", len(units) == 3, units)
    units.append("ezkvm-swtpm@demo.socket")  # the shipped unit alone
    for unit in units:
        result = box.run(["systemd-analyze", "verify", "--man=no", "--generators=yes", unit], check=False)
        # --generators=yes runs ezkvm-generator again, which logs the bad file again.
        own = [line for line in (result.stdout + result.stderr).splitlines()
               if "ezkvm" in line and "ezkvm-generator" not in line]
        checks.check(f"systemd-analyze verify {unit}", result.returncode == 0 and not own,
                     f"exit {result.returncode}: {result.stdout}{result.stderr}")


def check_start(checks, box, times):
    timer = Timer()
    result = box.systemctl("start", "ezkvm@demo.service", check=False, timeout=400)
    times["systemctl start ezkvm@demo (OVMF, TPM, first start)"] = timer.seconds
    if not checks.check("systemctl start ezkvm@demo succeeds", result.returncode == 0,
                        f"{result.stderr}\n{box.journal('ezkvm@demo.service')}"):
        return False
    status = qmp_status(box, "demo")
    checks.check("QMP says running as soon as start returns", status == "running", status)
    checks.check("ezkvm@demo is active", prop(box, "ezkvm@demo.service", "ActiveState") == "active")
    journal = box.journal("ezkvm@demo.service")
    checks.check("wait-ready logged readiness", "VM running, QMP ready after" in journal, journal)
    # A dynamic user's state directory is /var/lib/private/ezkvm/demo (/var/lib/ezkvm/demo links to it).
    for created in ("created TPM 2.0 state /var/lib/private/ezkvm/demo/tpm",
                    "created UEFI variable store /var/lib/private/ezkvm/demo/efivars.fd",
                    "disk image (67108864 bytes) /var/lib/ezkvm/demo/data.qcow2"):
        checks.check(f"prepare logged: {created}", created in journal, journal)
    uid = dynamic_uid(box, "ezkvm-demo")
    checks.check("qemu runs as the VM's own user ezkvm-demo",
                 runs_as_vm_user(box, prop(box, "ezkvm@demo.service", "MainPID"), "ezkvm-demo"), uid)
    checks.check("swtpm runs as the VM's own user ezkvm-demo",
                 runs_as_vm_user(box, prop(box, "ezkvm-swtpm@demo.service", "MainPID"), "ezkvm-demo"), uid)
    slice_ = prop(box, "ezkvm@demo.service", "Slice")
    checks.check("the VM runs in machine.slice", slice_ == "machine.slice", slice_)
    owned = ["/run/ezkvm/demo", "/run/ezkvm/demo/swtpm.sock", "/var/lib/ezkvm/demo",
             "/var/lib/ezkvm/demo/tpm/tpm2-00.permall", "/var/lib/ezkvm/demo/efivars.fd",
             "/var/lib/ezkvm/demo/data.qcow2"]
    owners = box.run(["stat", "-L", "-c", "%u %a %n"] + owned, check=False).stdout.splitlines()
    checks.check("the VM's files (and the TPM socket) belong to ezkvm-demo",
                 len(owners) == len(owned) and all(line.startswith(f"{uid} ") for line in owners), owners)
    box.run(["systemd-run", "--unit=console-reader", "python3", "/usr/local/lib/ezkvm-test/console-reader.py",
             "/run/ezkvm/demo/console-attach.sock"])
    return True


def check_console(checks, box, times):
    timer = Timer()
    journal = box.journal("ezkvm@demo.service", wait_for="EZKVM-REPORT-END", timeout=REPORT_TIMEOUT)
    times["guest report in the journal after start"] = timer.seconds
    report = parse_report(journal)
    if not checks.check("journalctl -u ezkvm@demo shows the guest's console report", report is not None,
                        journal[-3000:]):
        return
    checks.check("guest sees UEFI", report.get("firmware") == "uefi", report)
    checks.check("guest sees TPM 2.0", report.get("tpm") == "2", report)
    checks.check("guest sees its disk", any(d.get("serial") == "EZKVM-DEMO" for d in report["disk"]),
                 report["disk"])
    checks.check("console lines are clean text in the journal",
                 "\r" not in journal and "\x1b" not in journal and "blob data" not in journal)
    reader = box.journal("console-reader.service", wait_for="attached")
    checks.check("a client attaches to console-attach.sock", "attached" in reader, reader)


def check_security(checks, box, scores):
    for unit in ("ezkvm@demo.service", "ezkvm-swtpm@demo.service"):
        score, verdict, output = security_score(box, unit)
        scores[unit] = f"{score} {verdict}"
        checks.check(f"systemd-analyze security {unit} <= {SECURITY_TARGET}",
                     score is not None and score <= SECURITY_TARGET, output[-4000:])


def host_pci_addresses(box):
    """Two PCI addresses for the passthrough VM: the host's own where it has some (the
    container sees its /sys), so no "no such device" warning differs between machines."""
    picks = sorted(box.run(["ls", "/sys/bus/pci/devices"], check=False).stdout.split())[:2]
    picks += [a for a in ("0000:00:01.0", "0000:00:02.0") if a not in picks]
    return picks[:2]


def check_passthrough_security(checks, box, scores):
    gpu, other = host_pci_addresses(box)
    box.write_file("/etc/ezkvm/passthrough.yaml", PASSTHROUGH_YAML.format(gpu=gpu, other=other))
    try:
        box.systemctl("daemon-reload")
        dropin = box.run(["cat", "/run/systemd/generator/ezkvm@passthrough.service.d/50-ezkvm.conf"],
                         check=False).stdout
        for setting in ("LimitMEMLOCK=infinity", "DeviceAllow=/dev/vfio/vfio rw", "DeviceAllow=char-vfio rw",
                        f"host={gpu}", f"host={other}"):
            checks.check(f"the passthrough drop-in has {setting}", setting in dropin, dropin)
        unit = "ezkvm@passthrough.service"
        score, verdict, output = security_score(box, unit)
        scores[unit] = f"{score} {verdict}"
        checks.check(f"systemd-analyze security {unit} <= {PASSTHROUGH_SECURITY_TARGET}",
                     score is not None and score <= PASSTHROUGH_SECURITY_TARGET, output[-4000:])
    finally:
        box.run(["rm", "-f", "/etc/ezkvm/passthrough.yaml"])
        box.systemctl("daemon-reload")


def check_stop(checks, box, times):
    timer = Timer()
    result = box.systemctl("stop", "ezkvm@demo.service", check=False, timeout=200)
    times["systemctl stop ezkvm@demo (ACPI)"] = timer.seconds
    checks.check("systemctl stop ezkvm@demo succeeds", result.returncode == 0, result.stderr)
    journal = box.journal("ezkvm@demo.service", wait_for="EZKVM-GUEST-POWEROFF")
    checks.check("the guest powered off through ACPI (its own line in the journal)",
                 "EZKVM-GUEST-POWEROFF" in journal, journal[-3000:])
    checks.check("stop reports the guest's power-off", "guest powered off" in journal, journal[-2000:])
    checks.check("the guest was not forced", "forced" not in journal, journal[-2000:])
    state = prop(box, "ezkvm@demo.service", "ActiveState")
    checks.check("ezkvm@demo is inactive", state == "inactive", state)
    for unit in ("ezkvm-swtpm@demo.service", "ezkvm-swtpm@demo.socket"):
        state = prop(box, unit, "ActiveState")
        checks.check(f"{unit} stopped with the VM", state == "inactive", state)
    left = box.run(["pgrep", "-a", "-f", "qemu-system|swtpm"], check=False).stdout.strip()
    checks.check("no qemu or swtpm process left", not left, left)
    reader = box.journal("console-reader.service", wait_for="console closed")
    checks.check("the attached console saw the guest's last words",
                 "EZKVM-GUEST-POWEROFF" in reader and "console closed" in reader, reader[-2000:])


def check_ignored_acpi(checks, box, times):
    result = box.systemctl("start", "ezkvm@stubborn.service", check=False, timeout=400)
    if not checks.check("systemctl start ezkvm@stubborn succeeds", result.returncode == 0,
                        f"{result.stderr}\n{box.journal('ezkvm@stubborn.service')}"):
        return
    journal = box.journal("ezkvm@stubborn.service", wait_for="EZKVM-REPORT-END", timeout=REPORT_TIMEOUT)
    checks.check("the stubborn guest ignores ACPI", "EZKVM-IGNORING-ACPI" in journal, journal[-2000:])
    timer = Timer()
    result = box.systemctl("stop", "ezkvm@stubborn.service", check=False, timeout=200)
    times["systemctl stop of a guest ignoring ACPI (stop_timeout 5)"] = timer.seconds
    checks.check("systemctl stop ezkvm@stubborn succeeds", result.returncode == 0, result.stderr)
    checks.check("it took the stop timeout", timer.seconds >= 5, timer.seconds)
    journal = box.journal("ezkvm@stubborn.service", wait_for="forced")
    checks.check("quit after the stop timeout",
                 "the guest did not power off within 5 s: making qemu quit" in journal, journal[-2000:])
    state = prop(box, "ezkvm@stubborn.service", "ActiveState")
    checks.check("ezkvm@stubborn is inactive", state == "inactive", state)


def check_host_probe(checks, box):
    """The first VM start ran ezkvm-host-probe.service, which probed (the container's cache
    starts empty, so the generator had no answer) and reloaded systemd; the accel: auto VM's
    command line is the one for what the probe found, in the unit and in `ezkvm show`."""
    box.write_file("/etc/ezkvm/probed.yaml", PROBED_YAML)
    box.systemctl("daemon-reload")
    result = box.systemctl("start", "ezkvm@probed.service", check=False, timeout=400)
    journal = box.journal("ezkvm@probed.service")
    if not checks.check("systemctl start ezkvm@probed (accel: auto) succeeds", result.returncode == 0,
                        f"{result.stderr}\n{journal[-3000:]}"):
        return
    probe = box.journal("ezkvm-host-probe.service")
    checks.check("ezkvm-host-probe.service reloaded systemd for units made without an answer",
                 "reloading systemd" in probe, probe)
    host = json.loads(box.run(["ezkvm", "host", "--json"]).stdout)
    runs = host["kvm"]["status"] == "runs"
    print(f"accel: auto in the container runs under {'KVM' if runs else 'TCG'}: "
          f"{host['kvm']['problem'] or host['kvm']['status']}")
    exec_start = prop(box, "ezkvm@probed.service", "ExecStart")
    expected = "-accel kvm -accel tcg" if runs else "-accel tcg -action"
    checks.check(f"the unit's command line fits the probe ({expected})", expected in exec_start, exec_start)
    shown = " ".join(box.run(["ezkvm", "show", "probed"]).stdout.split())
    checks.check("ezkvm show prints the unit's command line", shown in exec_start.replace(" -S ", " "),
                 f"{shown}\n{exec_start}")
    if not runs:
        checks.check("prepare logged the fallback to TCG", "it runs under TCG" in journal, journal[-3000:])
    status = qmp_status(box, "probed")
    checks.check("the probed VM runs", status == "running", status)
    box.systemctl("stop", "ezkvm@probed.service", check=False, timeout=200)
    # A unit made for another host answer than the current one is refused.
    box.write_file("/etc/systemd/system/ezkvm@probed.service.d/90-stale.conf", STALE_DROPIN)
    box.systemctl("daemon-reload")
    result = box.systemctl("start", "ezkvm@probed.service", check=False, timeout=400)
    journal = box.journal("ezkvm@probed.service")
    checks.check("a unit generated for another host answer does not start", result.returncode != 0,
                 journal[-2000:])
    checks.check("prepare says to reload",
                 "changed since the VM's unit was generated" in journal and "daemon-reload" in journal,
                 journal[-2000:])
    box.run(["rm", "/etc/systemd/system/ezkvm@probed.service.d/90-stale.conf"])
    box.systemctl("daemon-reload")
    box.systemctl("reset-failed", "ezkvm@probed.service", check=False)


def check_guest_panic(checks, box, times):
    """A guest that panics under a running unit: the unit fails, the journal says why."""
    box.write_file("/etc/ezkvm/panicky.yaml", PANICKY_YAML)
    box.systemctl("daemon-reload")
    result = box.systemctl("start", "ezkvm@panicky.service", check=False, timeout=400)
    if not checks.check("systemctl start ezkvm@panicky succeeds (it panics later)", result.returncode == 0,
                        f"{result.stderr}\n{box.journal('ezkvm@panicky.service')[-3000:]}"):
        return
    timer = Timer()
    failed = wait_until(lambda: prop(box, "ezkvm@panicky.service", "ActiveState") == "failed", REPORT_TIMEOUT)
    times["guest panic after start -> unit failed"] = timer.seconds
    journal = box.journal("ezkvm@panicky.service")
    checks.check("a panicking guest leaves its unit failed", failed,
                 f"{prop(box, 'ezkvm@panicky.service', 'ActiveState')}\n{journal[-3000:]}")
    checks.check("the guest crashed its kernel", "EZKVM-PANICKING" in journal, journal[-3000:])
    checks.check("the journal says the guest panicked", "the guest panicked" in journal, journal[-3000:])
    left = box.run(["pgrep", "-a", "-f", "qemu-system"], check=False).stdout.strip()
    checks.check("no qemu left after the panic", not left, left)


def check_kill(checks, box, times):
    timer = Timer()
    result = box.systemctl("start", "ezkvm@demo.service", check=False, timeout=400)
    times["systemctl start ezkvm@demo (second start)"] = timer.seconds
    if not checks.check("ezkvm@demo starts again", result.returncode == 0,
                        f"{result.stderr}\n{box.journal('ezkvm@demo.service')[-3000:]}"):
        return
    pid = prop(box, "ezkvm@demo.service", "MainPID")
    box.run(["kill", "-9", pid])
    failed = wait_until(lambda: prop(box, "ezkvm@demo.service", "ActiveState") == "failed", 60)
    checks.check("kill -9 of qemu leaves the unit failed", failed,
                 f"{prop(box, 'ezkvm@demo.service', 'ActiveState')}\n{box.journal('ezkvm@demo.service')[-2000:]}")
    result_ = prop(box, "ezkvm@demo.service", "Result")
    checks.check("with result 'signal'", result_ == "signal", result_)
    stopped = wait_until(lambda: prop(box, "ezkvm-swtpm@demo.service", "ActiveState") == "inactive", 30)
    checks.check("swtpm stopped", stopped, prop(box, "ezkvm-swtpm@demo.service", "ActiveState"))
    left = box.run(["pgrep", "-a", "-f", "qemu-system|swtpm"], check=False).stdout.strip()
    checks.check("no qemu or swtpm process left after kill -9", not left, left)


def check_autostart(checks, binds, guest_dir, times):
    with tempfile.TemporaryDirectory(prefix="ezkvm-autostart-") as etc:
        (Path(etc) / "auto.yaml").write_text(AUTOSTART_YAML)
        Path(etc).chmod(0o755)
        timer = Timer()
        with Container(ro_binds=binds + [(guest_dir, GUEST_DIR), (etc, "/etc/ezkvm")],
                       boot_timeout=300) as box:
            times["boot with an autostart VM to running"] = timer.seconds
            wanted_by = prop(box, "ezkvm@auto.service", "WantedBy").split()
            checks.check("the generator ran at boot: autostart link", "multi-user.target" in wanted_by,
                         wanted_by)
            state = prop(box, "ezkvm@auto.service", "ActiveState")
            checks.check("the autostart VM is running after boot", state == "active",
                         f"{state}\n{box.journal('ezkvm@auto.service')[-2000:]}")
            checks.check("no failed units after boot", not box.failed_units, box.failed_units)
            install_qmp_query(box)
            status = qmp_status(box, "auto")
            checks.check("the autostart VM's QMP says running", status == "running", status)


def run_step(checks, name, step):
    """Runs one step; an exception fails it (with what happened) and returns False."""
    try:
        return step() is not False
    except Exception as error:  # noqa: BLE001 - report the step, go on with the next
        checks.check(name, False, f"{type(error).__name__}: {error}")
        return False


def run_steps(checks, box, times, scores):
    started = all([run_step(checks, "setup", lambda: check_setup(checks, box)),
                   run_step(checks, "generator", lambda: check_generator(checks, box, times)),
                   run_step(checks, "verify", lambda: check_verify(checks, box)),
                   run_step(checks, "start", lambda: check_start(checks, box, times))])
    if started:
        run_step(checks, "console", lambda: check_console(checks, box, times))
        run_step(checks, "security", lambda: check_security(checks, box, scores))
        run_step(checks, "stop", lambda: check_stop(checks, box, times))
    run_step(checks, "passthrough security", lambda: check_passthrough_security(checks, box, scores))
    run_step(checks, "ignored ACPI", lambda: check_ignored_acpi(checks, box, times))
    run_step(checks, "host probe", lambda: check_host_probe(checks, box))
    run_step(checks, "guest panic", lambda: check_guest_panic(checks, box, times))
    run_step(checks, "kill -9", lambda: check_kill(checks, box, times))


def main():
    from installed_test import run_installed  # imports this module: not at the top
    scores = {}

    def after(checks, binds, times):
        run_step(checks, "autostart", lambda: check_autostart(checks, binds, guest_paths()[0].parent, times))
        for unit, score in scores.items():
            print(f"systemd-analyze security {unit}: {score}")

    return run_installed(__doc__, lambda checks, box, times: run_steps(checks, box, times, scores), after)

if __name__ == "__main__":
    sys.exit(main())
