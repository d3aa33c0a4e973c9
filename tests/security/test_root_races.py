#!/usr/bin/env python3
"""Root never acts through a path the VM's user can change (issue 15, findings 1-3).

The real `ezkvm-helper prepare` runs as root, again and again, while an
attacker process holding the VM's uid (a forked child that setuid()s to
`nobody`, the VM file's general.user) swaps the files and directories root
works on for symlinks into a directory of root's. An attempt succeeds when
anything of root's changed: a new file there, a file or the directory itself
given to another owner, chmodded or written.

    test_root_races.py HELPER [ATTACK...]      attacks: disk tpm-chown private-dir

EZKVM_RACE_ATTEMPTS scales every attack's attempts (1.0 by default).
Needs root; exits 77 (skip) otherwise.
"""
import os
import pwd
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOST = HERE.parent / "fixtures" / "hosts" / "no-kvm.json"
VM_USER = "nobody"
SECRET_TEXT = b"root's own file\n"

VM_FILES = {
    # A created disk in a directory of the VM's user.
    "disk": """general: {{ user: {user} }}
system: {{ bios: {{ type: seabios }} }}
storage:
  - {{ type: virtio-blk, file: {base}/disks/data.qcow2, create: yes, size: 1M }}
""",
    # The TPM state in the VM's state directory (EZKVM_STATE_DIR={base}/state).
    "tpm": """general: {{ user: {user} }}
system: {{ bios: {{ type: seabios }}, tpm: {{ type: swtpm }} }}
""",
}


class Secret:
    """A directory of root's (0755) with one file (0644): what an attack must not change."""

    def __init__(self, path: Path):
        self.path = path
        self.restore()

    def restore(self):
        if self.path.is_symlink() or self.path.is_file():
            self.path.unlink()
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(mode=0o755)
        os.chmod(self.path, 0o755)
        (self.path / "victim").write_bytes(SECRET_TEXT)
        os.chmod(self.path / "victim", 0o644)

    def changes(self) -> list:
        found = []
        st = os.lstat(self.path)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or stat.S_IMODE(st.st_mode) != 0o755:
            found.append(f"{self.path}: mode {oct(st.st_mode)} uid {st.st_uid}")
        for entry in os.listdir(self.path):
            if entry != "victim":
                found.append(f"{self.path}/{entry} appeared (uid {os.lstat(self.path / entry).st_uid})")
        victim = self.path / "victim"
        if victim.exists():
            vst = os.lstat(victim)
            if vst.st_uid != 0 or stat.S_IMODE(vst.st_mode) != 0o644 or victim.read_bytes() != SECRET_TEXT:
                found.append(f"{victim}: uid {vst.st_uid} mode {oct(vst.st_mode)}, content changed or not")
        else:
            found.append(f"{victim} is gone")
        return found


def swap_for_link(path: str, target: str, aside: str):
    """Moves `path` aside and puts a symlink to `target` in its place; best effort."""
    try:
        os.rename(path, aside)
    except OSError:
        return False
    try:
        os.symlink(target, path)
    except OSError:
        pass
    return True


def swap_back(path: str, aside: str):
    try:
        os.unlink(path)
    except OSError:
        pass
    try:
        os.rename(aside, path)
    except OSError:
        pass


def attack_disk(base: str, secret: str):
    """The temp file qemu-img writes and root chowns, and the disk's directory, become links."""
    disks = base + "/disks"
    try:
        names = os.listdir(disks)
    except OSError:
        names = []
    for name in names:
        if name.startswith(".data.qcow2."):
            temp = f"{disks}/{name}"
            try:
                os.unlink(temp)
                os.symlink(secret + "/victim", temp)
            except OSError:
                pass
    if swap_for_link(disks, secret, base + "/disks.aside"):
        swap_back(disks, base + "/disks.aside")


def attack_tpm_dir(base: str, secret: str):
    """The TPM state directory becomes a link to root's directory (the swtpm_setup chown and the chmod)."""
    tpm = base + "/state/victim/tpm"
    if swap_for_link(tpm, secret, tpm + ".aside"):
        swap_back(tpm, tpm + ".aside")


def attack_tpm_state(base: str, secret: str):
    """Once swtpm_setup made the state, its directory becomes a link to root's directory."""
    tpm = base + "/state/victim/tpm"
    if os.path.exists(tpm + "/tpm2-00.permall") and swap_for_link(tpm, secret, tpm + ".aside"):
        for _ in range(200):
            os.lstat(tpm)
        swap_back(tpm, tpm + ".aside")


ATTACKS = {
    # finding 1: root made a temp file in the disk's directory, ran qemu-img on it, chowned it by path
    "disk": ("disk", attack_disk, 1000),
    # finding 2: root lchowned the TPM state's entries by path once swtpm_setup was done
    "tpm-chown": ("tpm", attack_tpm_state, 100),
    # finding 3: ensure_private_dir checked the TPM directory, then chmodded it by path
    "private-dir": ("tpm", attack_tpm_dir, 1000),
}


def attacker(control_fd: int, uid: int, gid: int, attack, secret: str):
    """The VM's user: races each attempt's directory until the harness says stop."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    control = os.fdopen(control_fd, "r+b", buffering=0)
    base = None
    while True:
        ready, _, _ = select.select([control], [], [], 0 if base else None)
        if ready:
            line = control.readline().decode().strip()
            if not line or line == "quit":
                os._exit(0)
            if line == "stop":
                base = None
                control.write(b"stopped\n")
                continue
            base = line
        if base:
            attack(base, secret)


def prepare_attempt(base: Path, kind: str, uid: int, gid: int, config_dir: Path):
    base.mkdir(mode=0o755)
    os.chown(base, uid, gid)
    if kind == "disk":
        (base / "disks").mkdir()
        os.chown(base / "disks", uid, gid)
    else:
        # The state directory is the VM user's, as prepare leaves it.
        vm_state = base / "state" / "victim"
        vm_state.mkdir(parents=True)
        os.chown(base / "state", uid, gid)
        os.chown(vm_state, uid, gid)
        os.chmod(vm_state, 0o700)
    (config_dir / "victim.yaml").write_text(VM_FILES[kind].format(user=VM_USER, base=base))


def preset_tpm_state(base: Path, uid: int, gid: int):
    """A TPM state that exists already: prepare only makes the directory private, no swtpm_setup."""
    tpm = base / "state" / "victim" / "tpm"
    tpm.mkdir(mode=0o700)
    (tpm / "tpm2-00.permall").write_bytes(b"state")
    for path in (tpm, tpm / "tpm2-00.permall"):
        os.chown(path, uid, gid)


HELPER_TIMEOUT = 8


def run_helper(helper: str, env: dict, base: str) -> subprocess.CompletedProcess:
    """prepare, stopped after HELPER_TIMEOUT (returncode None) with what it started: swtpm_setup
    waits forever on a swtpm that died because the attacker took its directory away."""
    proc = subprocess.Popen([helper, "prepare", "victim"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=HELPER_TIMEOUT)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and base.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        return subprocess.CompletedProcess(proc.args, None, out)


def run_attack(name: str, helper: str, work: Path, scale: float) -> tuple:
    kind, attack, attempts = ATTACKS[name]
    attempts = max(1, int(attempts * scale))
    user = pwd.getpwnam(VM_USER)
    secret = Secret(work / f"secret-{name}")
    root = work / f"root-{name}"
    config_dir = root / "etc" / "ezkvm"
    config_dir.mkdir(parents=True)
    env = dict(os.environ, EZKVM_ROOT=str(root), EZKVM_HOST_CAPABILITIES=str(HOST))

    parent_end, child_end = __import__("socket").socketpair()
    pid = os.fork()
    if pid == 0:
        parent_end.close()
        try:
            attacker(child_end.detach(), user.pw_uid, user.pw_gid, attack, str(secret.path))
        finally:
            os._exit(1)
    child_end.close()
    control = parent_end.makefile("rwb", buffering=0)
    successes, failures_to_prepare, hung, evidence = 0, 0, 0, []
    try:
        for i in range(attempts):
            base = work / f"{name}-{i}"
            prepare_attempt(base, kind, user.pw_uid, user.pw_gid, config_dir)
            if name == "private-dir":
                preset_tpm_state(base, user.pw_uid, user.pw_gid)
            env["EZKVM_RUNTIME_DIR"] = str(base / "run")
            env["EZKVM_STATE_DIR"] = str(base / "state")
            control.write(f"{base}\n".encode())
            run = run_helper(helper, env, str(base))
            control.write(b"stop\n")
            if control.readline().strip() != b"stopped":
                raise RuntimeError("the attacker died")
            if run.returncode is None:
                hung += 1
            elif run.returncode != 0:
                failures_to_prepare += 1
            changes = secret.changes()
            if changes:
                successes += 1
                evidence.append((i, changes, run.stdout.decode(errors="replace")[-400:]))
                secret.restore()
            shutil.rmtree(base)
    finally:
        control.write(b"quit\n")
        os.waitpid(pid, 0)
    return attempts, successes, failures_to_prepare, hung, evidence


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("SKIP: the races need root (the real helper runs as root, the attacker as nobody)")
        return 77
    for tool in ("qemu-img", "swtpm_setup"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed")
            return 77
    helper = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or list(ATTACKS)
    scale = float(os.environ.get("EZKVM_RACE_ATTEMPTS", "1"))
    failed = False
    with tempfile.TemporaryDirectory(prefix="ezkvm-races-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)  # the attacker must reach its directories
        for name in names:
            attempts, successes, refused, hung, evidence = run_attack(name, helper, work, scale)
            print(f"{name}: {attempts} attempts, {successes} successes ({refused} prepare runs failed, "
                  f"{hung} stopped after {HELPER_TIMEOUT} s: the attacker's own VM does not start)")
            for i, changes, output in evidence[:3]:
                print(f"  attempt {i}: " + "; ".join(changes))
                print("    helper said: " + output.replace("\n", "\n    "))
            failed = failed or successes > 0
    return 1 if failed else 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
