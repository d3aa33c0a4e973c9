#!/usr/bin/env python3
"""One VM's uid reaches nothing of another VM's, in a real systemd 252 (container.py), with
the build installed as test_units.py installs it.

Two system VMs without general.user, `vma` and `vmb`, each with a swtpm TPM, UEFI variables
and a disk created in its state directory, run at once. Then, as vma's qemu would after a
guest escape (its uid, inside its qemu's mount namespace: nsenter + setpriv), and again as
that uid in the host's mount namespace, every attack below is tried ATTEMPTS times and must
fail every time: read vmb's TPM state, UEFI variables and disk, write its disk, connect to its
QMP, console and swtpm sockets, open the device nodes it was granted, and start, stop, restart
or kill it over D-Bus. Then the polkit rule: a member of group ezkvm may start, stop and
restart VMs and start ezkvm-force-stop@, and may not kill, manage other units or touch a
VM's files; the VMs' processes are not in the group.

usage: test_isolation.py BUILD_DIR   (a build configured with --prefix=/usr or /usr/local)
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "systemd"))
sys.path.insert(0, str(HERE.parent / "boot"))
from test_units import GUEST_DIR, SMALL_YAML, prop  # noqa: E402
from installed_test import run_installed  # noqa: E402

ATTEMPTS = 50
MEMBER = "carol"  # in group ezkvm
VM_YAML = SMALL_YAML.format(stop_timeout=10, autostart="no", guest=GUEST_DIR, cmdline="").replace(
    "bios: { type: seabios }", "bios: { type: ovmf }\n  tpm: { type: swtpm, version: 2 }") + (
    "storage:\n  - { type: virtio-blk, file: /var/lib/ezkvm/%s/disk.qcow2, create: yes, size: 64M }\n")
ATTACKER = "/usr/local/lib/ezkvm-test/attack.py"

# Run inside the container as the attacking uid: each attack `attempts` times; prints
# {name: [attempts, successes, last error]}. An attack succeeds when the operation returns.
ATTACK = r"""
import json, os, socket, subprocess, sys
victim, attempts, with_bus = sys.argv[1], int(sys.argv[2]), sys.argv[4] == "bus"
state, run = f"/var/lib/ezkvm/{victim}", f"/run/ezkvm/{victim}"
private = f"/var/lib/private/ezkvm/{victim}"
def read(path):
    with open(path, "rb") as f:
        f.read(1)
def write(path):
    fd = os.open(path, os.O_WRONLY)
    os.close(fd)
def listdir(path):
    os.listdir(path)
def connect(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    try:
        s.connect(path)
    except (socket.timeout, BlockingIOError):
        pass  # a full backlog (EAGAIN): the permission check let it through, so it counts as reached
    finally:
        s.close()
def bus(method, *args):
    r = subprocess.run(["busctl", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                        "org.freedesktop.systemd1.Manager", method] + list(args),
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise PermissionError(r.stderr.strip())
unit = f"ezkvm@{victim}.service"
attacks = {}
for base in (state, private):
    attacks[f"read {base}/tpm state"] = lambda b=base: read(f"{b}/tpm/tpm2-00.permall")
    attacks[f"list {base}/tpm"] = lambda b=base: listdir(f"{b}/tpm")
    attacks[f"read {base}/efivars.fd"] = lambda b=base: read(f"{b}/efivars.fd")
    attacks[f"read {base}/disk.qcow2"] = lambda b=base: read(f"{b}/disk.qcow2")
    attacks[f"write {base}/disk.qcow2"] = lambda b=base: write(f"{b}/disk.qcow2")
for name in ("qmp.sock", "qmp-watch.sock", "console.sock", "swtpm.sock"):
    attacks[f"connect {run}/{name}"] = lambda n=name: connect(f"{run}/{n}")
attacks[f"list {run}"] = lambda: listdir(run)
# Root's own state: bound into every VM's namespace for its root steps, entered by none.
attacks["list /run/ezkvm/_host"] = lambda: listdir("/run/ezkvm/_host")
attacks[f"read /run/ezkvm/_host/usb/{victim}.json"] = lambda: read(f"/run/ezkvm/_host/usb/{victim}.json")
for node in json.loads(sys.argv[3]):
    attacks[f"open {node} (granted to {victim})"] = lambda n=node: write(n)
if with_bus:
    attacks[f"StopUnit {unit}"] = lambda: bus("StopUnit", "ss", unit, "replace")
    attacks[f"RestartUnit {unit}"] = lambda: bus("RestartUnit", "ss", unit, "replace")
    attacks[f"KillUnit {unit} SIGKILL"] = lambda: bus("KillUnit", "ssi", unit, "all", "9")
    attacks[f"StartUnit ezkvm-force-stop@{victim}.service"] = lambda: bus("StartUnit", "ss", f"ezkvm-force-stop@{victim}.service", "replace")
results = {}
for name, attack in attacks.items():
    successes, error = 0, ""
    for _ in range(attempts if not name.startswith(("StopUnit", "RestartUnit", "KillUnit", "StartUnit")) else 5):
        try:
            attack()
            successes += 1
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
    results[name] = [attempts if not name.startswith(("StopUnit", "RestartUnit", "KillUnit", "StartUnit")) else 5,
                     successes, error]
print(json.dumps(results))
"""


def main_pid(box, vm):
    return prop(box, f"ezkvm@{vm}.service", "MainPID")


def ids_of(box, pid):
    """(uid, gids) of a process in the container."""
    status = box.run(["cat", f"/proc/{pid}/status"]).stdout
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    uid = int(fields["Uid"].split()[0])
    groups = {int(g) for g in fields["Groups"].split()} | {int(fields["Gid"].split()[0])}
    return uid, groups


def unit_pids(box, unit):
    lines = box.run(["ps", "-e", "-o", "pid=,unit="]).stdout.splitlines()
    return [pid for pid, _, name in (line.strip().partition(" ") for line in lines) if name.strip() == unit]


def start_vms(checks, box, times):
    for vm in ("vma", "vmb"):
        box.write_file(f"/etc/ezkvm/{vm}.yaml", VM_YAML % vm)
    box.systemctl("daemon-reload")
    for vm in ("vma", "vmb"):
        result = box.systemctl("start", f"ezkvm@{vm}.service", check=False, timeout=400)
        if not checks.check(f"ezkvm@{vm} starts", result.returncode == 0,
                            result.stderr + box.journal(f"ezkvm@{vm}.service")[-3000:]):
            return False
    return True


def check_identities(checks, box):
    ezkvm_gid = int(box.run(["getent", "group", "ezkvm"]).stdout.split(":")[2])
    uids = {}
    for vm in ("vma", "vmb"):
        processes = unit_pids(box, f"ezkvm@{vm}.service") + unit_pids(box, f"ezkvm-swtpm@{vm}.service")
        ids = [ids_of(box, pid) for pid in processes]
        vm_uids = {uid for uid, _ in ids}
        checks.check(f"{vm}'s qemu and swtpm run as one uid, not root", len(vm_uids) == 1 and 0 not in vm_uids,
                     ids)
        checks.check(f"no process of {vm} is in group ezkvm", all(ezkvm_gid not in g for _, g in ids), ids)
        if len(vm_uids) != 1:
            return None
        uids[vm] = next(iter(vm_uids))
    checks.check("vma and vmb run under different uids", uids["vma"] != uids["vmb"], uids)
    user = box.run(["busctl", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                    "org.freedesktop.systemd1.Manager", "LookupDynamicUserByName", "s", "ezkvm-vma"]).stdout
    checks.check("vma's uid is the dynamic user ezkvm-vma", user.strip() == f"u {uids['vma']}", user)
    listing = box.run(["nsenter", "-t", main_pid(box, "vma"), "-m", "ls", "/run/ezkvm"]).stdout.split()
    # And root's _host (mode 0700, root's), which the attacks below cannot enter.
    checks.check("vma's qemu sees only its own directory in /run/ezkvm (and root's _host)",
                 listing in (["vma"], ["_host", "vma"]), listing)
    return uids


def granted_nodes(box, vm):
    # Root's record of the nodes prepare granted the VM's user (runtime/usb_access.hpp).
    text = box.run(["cat", f"/run/ezkvm/_host/usb/{vm}.json"], check=False).stdout
    try:
        return json.loads(text)["nodes"]
    except (ValueError, KeyError):
        return []


def run_attacks(box, uid, namespace_pid, victim, attempts, with_bus=True):
    """{attack: [attempts, successes, last error]} as `uid`, in the mount namespace of
    `namespace_pid` (None: the host's); None when the attacker did not run."""
    nodes = json.dumps(granted_nodes(box, victim))
    as_uid = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs"]
    argv = (["nsenter", "-t", namespace_pid, "-m"] if namespace_pid else []) + as_uid + [
        "python3", ATTACKER, victim, str(attempts), nodes, "bus" if with_bus else "files"]
    result = box.run(argv, check=False, timeout=600)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return None


def check_own_access(checks, box, uid, namespace_pid):
    """The attacker is able at all: as vma's uid in its namespace it reaches vma's own files
    and sockets, so the refusals below are the other VM's protection, not a broken attacker."""
    results = run_attacks(box, uid, namespace_pid, "vma", 3, with_bus=False) or {}
    for name in ("read /var/lib/ezkvm/vma/efivars.fd", "read /var/lib/ezkvm/vma/tpm state",
                 "write /var/lib/ezkvm/vma/disk.qcow2", "connect /run/ezkvm/vma/qmp.sock"):
        attempts, successes, error = results.get(name, [0, 0, "not run"])
        checks.check(f"as vma's uid in its namespace: {name} works (the attacker can)",
                     attempts > 0 and successes == attempts, error)


def attack(checks, box, uid, namespace_pid, victim, report):
    where = "in vma's qemu namespace" if namespace_pid else "in the host namespace"
    results = run_attacks(box, uid, namespace_pid, victim, ATTEMPTS)
    if results is None:
        checks.check(f"the attacks ran as vma's uid {where}", False)
        return
    for name, (attempts, successes, error) in results.items():
        report.append((f"{name} ({where})", attempts, successes))
        checks.check(f"as vma's uid {where}: {name}: 0 of {attempts} succeed", successes == 0, error)


def check_polkit(checks, box, report):
    box.run(["useradd", "-m", "-G", "ezkvm", MEMBER])
    def busctl(method, *args):
        return box.run(["runuser", "-u", MEMBER, "--", "busctl", "call", "org.freedesktop.systemd1",
                        "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", method] + list(args),
                       check=False, timeout=120)
    for attempt in range(5):
        for signal, whom in (("9", "all"), ("15", "main"), ("9", "control")):
            result = busctl("KillUnit", "ssi", "ezkvm@vma.service", whom, signal)
            checks.check(f"member: KillUnit ezkvm@vma {whom} {signal} is refused ({attempt + 1})",
                         result.returncode != 0, result.stdout)
        for unit in ("ezkvm-vfio@0000:00:01.0.service", "systemd-journald.service", "ezkvm-swtpm@vma.service"):
            result = busctl("StopUnit", "ss", unit, "replace")
            checks.check(f"member: StopUnit {unit} is refused ({attempt + 1})", result.returncode != 0,
                         result.stdout)
    report.append(("member of group ezkvm: KillUnit, or stopping a unit other than ezkvm@", 30, 0))
    for path in ("/run/ezkvm/vma/qmp.sock", "/var/lib/ezkvm/vma/efivars.fd"):
        result = box.run(["runuser", "-u", MEMBER, "--", "python3", "-c",
                          f"import socket,sys; p='{path}'\n"
                          "try:\n s=socket.socket(socket.AF_UNIX); s.connect(p)\nexcept OSError as e:\n"
                          " try: open(p,'rb').read(1)\n except OSError: sys.exit(1)"], check=False)
        checks.check(f"member: {path} is out of reach", result.returncode == 1, result.stdout + result.stderr)
    result = box.run(["runuser", "-u", MEMBER, "--", "ezkvm", "restart", "vmb"], check=False, timeout=400)
    checks.check("member: ezkvm restart vmb is allowed",
                 result.returncode == 0 and prop(box, "ezkvm@vmb.service", "ActiveState") == "active",
                 result.stdout + result.stderr)
    result = box.run(["runuser", "-u", MEMBER, "--", "ezkvm", "stop", "--force", "vmb"], check=False, timeout=300)
    checks.check("member: ezkvm stop --force vmb stops it at once (ezkvm-force-stop@vmb)",
                 result.returncode == 0 and prop(box, "ezkvm@vmb.service", "ActiveState") == "inactive",
                 result.stdout + result.stderr + box.journal("ezkvm-force-stop@vmb.service"))


def check_operator_as_vm_user(checks, box, report):
    """A VM file naming a member of group ezkvm as general.user does not start: its qemu would
    pass the polkit rule."""
    box.write_file("/etc/ezkvm/vmc.yaml", (VM_YAML % "vmc").replace("general:\n", f"general:\n  user: {MEMBER}\n"))
    box.systemctl("daemon-reload")
    result = box.systemctl("start", "ezkvm@vmc.service", check=False, timeout=300)
    journal = box.journal("ezkvm@vmc.service")
    checks.check("a general.user in group ezkvm is refused: the VM does not start",
                 result.returncode != 0 and f"the user {MEMBER} is in group ezkvm" in journal, journal[-2000:])
    report.append(("a VM whose general.user is in group ezkvm starts", 1, int(result.returncode == 0)))


def steps(checks, box, times):
    box.write_file(ATTACKER, ATTACK)
    if not start_vms(checks, box, times):
        return
    uids = check_identities(checks, box)
    if uids is None:
        return
    report = []
    check_own_access(checks, box, uids["vma"], main_pid(box, "vma"))
    attack(checks, box, uids["vma"], main_pid(box, "vma"), "vmb", report)
    attack(checks, box, uids["vma"], None, "vmb", report)
    check_polkit(checks, box, report)
    check_operator_as_vm_user(checks, box, report)
    for name, attempts, successes in report:
        print(f"attack: {name}: {attempts} attempts, {successes} successes")
    box.systemctl("stop", "ezkvm@vma.service", "ezkvm@vmb.service", check=False, timeout=300)


if __name__ == "__main__":
    sys.exit(run_installed(__doc__, steps))
