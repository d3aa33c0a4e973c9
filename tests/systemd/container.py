"""A real systemd 252 in a systemd-nspawn container, for tests of ezkvm's units and generator.

    with Container(ro_binds=[(build_dir, "/usr/local/lib/ezkvm")]) as box:
        box.write_file("/etc/ezkvm/demo.yaml", "...")
        box.systemctl("daemon-reload")
        box.systemctl("start", "ezkvm@demo.service")
        print(box.journal("ezkvm@demo.service"))

The root comes from build-root (built once, cached, booted with --volatile=overlay so every
container starts from the same pristine state). The machine's PID 1 need not be systemd:
nspawn runs with --register=no --keep-unit, in a private mount namespace (its files under
/run/systemd stay there) and in its own cgroup, named ezkvm-test-*, in the unified and
name=systemd hierarchies. Commands run inside through nsenter and live in that cgroup too,
so poweroff() can kill whatever is left and remove every cgroup it made. poweroff() also
compares the host with what it looked like before boot and lists anything left behind.
"""

import errno
import fcntl
import os
import secrets
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD_ROOT = HERE / "build-root"

CONTAINER_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/root",
    "TERM": "dumb",
    "SYSTEMD_COLORS": "0",
    "SYSTEMD_PAGER": "",
}
# What nspawn may create on the host (its runtime files and temporary mount points).
NSPAWN_HOST_GLOBS = ("/tmp/nspawn-*", "/var/tmp/nspawn-*", "/run/systemd/nspawn*")
CGROUP_PREFIX = "ezkvm-test-"


class ContainerError(Exception):
    pass


class CommandError(ContainerError):
    def __init__(self, argv, result):
        self.result = result
        super().__init__(f"{shlex.join(argv)} exited {result.returncode}\n"
                         f"stdout: {result.stdout.strip()}\nstderr: {result.stderr.strip()}")


def build_root():
    """Builds the cached root when needed (tests/systemd/build-root) and returns its path."""
    result = subprocess.run([str(BUILD_ROOT)], stdout=subprocess.PIPE, text=True, check=True)
    return Path(result.stdout.strip())


def cgroup_hierarchies():
    """Mount points of the cgroup hierarchies nspawn places itself in: the unified (v2) one
    and, on a legacy or hybrid host, the v1 name=systemd one."""
    found = []
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            fields = line.split()
            separator = fields.index("-")
            mount_point, fstype, options = fields[4], fields[separator + 1], fields[separator + 3]
            if fstype == "cgroup2" or (fstype == "cgroup" and "name=systemd" in options.split(",")):
                found.append(Path(mount_point))
    if not found:
        raise ContainerError("no cgroup2 or name=systemd cgroup hierarchy is mounted")
    return found


def host_state(root=None):
    """What nspawn can leave on the host: its runtime directories, the image lock file next
    to root, and cgroups at the top of each hierarchy (payload/ and supervisor/ when it runs
    in the root cgroup, ezkvm-test-* when a harness did not clean up)."""
    state = set()
    if root is not None and (Path(root).parent / f".#{Path(root).name}.lck").exists():
        state.add(str(Path(root).parent / f".#{Path(root).name}.lck"))
    for pattern in NSPAWN_HOST_GLOBS:
        state.update(str(p) for p in Path("/").glob(pattern.lstrip("/")))
    for hierarchy in cgroup_hierarchies():
        for entry in ("payload", "supervisor"):
            if (hierarchy / entry).exists():
                state.add(str(hierarchy / entry))
        state.update(str(p) for p in hierarchy.glob(CGROUP_PREFIX + "*"))
    return state


def _deadline_loop(timeout, interval=0.05):
    """Yields until timeout seconds have passed, sleeping interval between rounds."""
    deadline = time.monotonic() + timeout
    while True:
        yield
        if time.monotonic() >= deadline:
            return
        time.sleep(interval)


class Container:
    """A booted container; use as a context manager or call start() and poweroff()."""

    def __init__(self, binds=(), ro_binds=(), extra_args=(), root=None, boot_timeout=120,
                 console_log=None):
        """binds, ro_binds: (host path, container path) pairs. extra_args: more
        systemd-nspawn options. root: a root directory to boot instead of the cached one.
        console_log: where the container's console goes (default: a temporary file)."""
        self.binds = [(Path(h), c) for h, c in binds]
        self.ro_binds = [(Path(h), c) for h, c in ro_binds]
        self.extra_args = list(extra_args)
        self.root = Path(root) if root else None
        self._uses_cached_root = root is None
        self.boot_timeout = boot_timeout
        self.console_log = Path(console_log) if console_log else None
        self.pid = None
        self.boot_seconds = None
        self.failed_units = []
        self.exit_code = None
        self.clean_shutdown = None
        self.leftovers = []
        self._proc = None
        self._started = False
        self._saved_console = ""
        self._lock = None
        self._tmp = None
        self._cgroups = []
        self._host_before = set()
        self._uids = {}

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.poweroff()
        if self.leftovers and exc_type is None:
            raise ContainerError(f"left on the host: {', '.join(self.leftovers)}")

    # --- lifecycle ---------------------------------------------------------------------

    def start(self):
        """Boots the container and waits until systemd reports running (or degraded)."""
        for host, _ in self.binds + self.ro_binds:
            if not host.exists():
                raise ContainerError(f"bind source {host} does not exist")
        if self._uses_cached_root:
            self.root = build_root()
            # build-root replaces the root only while it holds this lock exclusively.
            self._lock = open(self.root.parent / ".rootfs.lock", "a")
            fcntl.flock(self._lock, fcntl.LOCK_SH)
        self._tmp = Path(tempfile.mkdtemp(prefix="ezkvm-container-"))
        if self.console_log is None:
            self.console_log = self._tmp / "console.log"
        self._started = True
        started = time.monotonic()
        try:
            self._host_before = host_state(self.root)
            name = f"{CGROUP_PREFIX}{os.getpid()}-{secrets.token_hex(3)}"
            for hierarchy in cgroup_hierarchies():
                self._cgroups.append(hierarchy / name)
                (hierarchy / name / "commands").mkdir(parents=True)
            self._spawn()
            self.pid = self._find_init()
            self._wait_until_running(started + self.boot_timeout)
        except BaseException:
            self.poweroff(timeout=10)
            raise
        self.boot_seconds = time.monotonic() - started

    def _nspawn_argv(self):
        argv = ["systemd-nspawn", "-D", str(self.root), "--boot", "--register=no",
                "--keep-unit", "-q", "--console=read-only", "--private-network",
                "--volatile=overlay", "--setenv=SYSTEMD_COLORS=0"]
        argv += [f"--bind={h}:{c}" for h, c in self.binds]
        argv += [f"--bind-ro={h}:{c}" for h, c in self.ro_binds]
        # Without a registered scope nspawn sets up no device cgroup (it ignores
        # --property=DeviceAllow= then), so binding the node is all KVM needs.
        if Path("/dev/kvm").exists():
            argv.append("--bind=/dev/kvm")
        return argv + self.extra_args

    def _spawn(self):
        # nspawn keeps its lock and propagation files in /run/systemd/nspawn: a tmpfs in the
        # private mount namespace keeps them off the host. Without a /run/systemd to cover
        # (a host that never ran systemd), cover /run instead of creating one.
        script = ('if [ -d /run/systemd ]; then runtime=/run/systemd; else runtime=/run; fi\n'
                  'mount -t tmpfs -o mode=0755,size=16m ezkvm-test "$runtime" && exec "$@"')
        argv = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script,
                "sh"] + self._nspawn_argv()
        # No image lock (a .#rootfs.lck next to the root, left behind when nspawn is killed):
        # the shared flock taken in start() already keeps build-root from replacing the root.
        env = {**os.environ, "SYSTEMD_NSPAWN_LOCK": "0"}
        self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      env=env, preexec_fn=self._join_cgroup(""))
        # --console=read-only, not passive: a passive console is a pty connected nowhere,
        # whose output nspawn only flushes when it exits; read-only forwards it as it comes,
        # so the log of a hanging boot can be read while it hangs.
        self._console_copier = threading.Thread(target=self._copy_console, daemon=True)
        self._console_copier.start()

    def _copy_console(self):
        with self._proc.stdout as source, open(self.console_log, "wb") as log:
            for chunk in iter(lambda: source.read1(65536), b""):
                log.write(chunk)
                log.flush()

    def _join_cgroup(self, subgroup):
        """A preexec_fn moving the child into this container's cgroup (or a subgroup). Plain
        system calls only: it runs between fork and exec while the console thread runs."""
        paths = [str(group / subgroup / "cgroup.procs") for group in self._cgroups]

        def join():
            for path in paths:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, b"0")
                finally:
                    os.close(fd)
        return join

    def _check_alive(self, what):
        if self._proc.poll() is not None:
            raise ContainerError(f"systemd-nspawn exited {self._proc.returncode} {what}\n"
                                 f"{self.console_tail()}")

    def _find_init(self):
        """The container's PID 1: the child of nspawn in another pid namespace, once it has
        become systemd (before that, its root and mounts may still be the host's)."""
        own_pidns = os.readlink("/proc/self/ns/pid")
        children_file = f"/proc/{self._proc.pid}/task/{self._proc.pid}/children"
        for _ in _deadline_loop(60):
            self._check_alive("before the container's init started")
            try:
                for child in Path(children_file).read_text().split():
                    if (os.readlink(f"/proc/{child}/ns/pid") != own_pidns
                            and Path(f"/proc/{child}/comm").read_text().strip() == "systemd"):
                        return int(child)
            except FileNotFoundError:
                pass
        raise ContainerError(f"the container's init did not start within 60 s\n"
                             f"{self.console_tail()}")

    def _wait_until_running(self, deadline):
        for _ in _deadline_loop(max(deadline - time.monotonic(), 0)):
            self._check_alive("during boot")
            if self.host_path("/run/systemd/private").exists():
                break
        else:
            raise ContainerError(f"systemd's private socket did not appear\n{self.console_tail()}")
        remaining = max(deadline - time.monotonic(), 1)
        state = self.run(["systemctl", "is-system-running", "--wait"], check=False,
                         timeout=remaining).stdout.strip()
        if state not in ("running", "degraded"):
            raise ContainerError(f"system state {state!r} after boot\n{self.console_tail()}")
        if state == "degraded":
            self.failed_units = self.list_failed_units()
            print(f"container: degraded, failed units: {', '.join(self.failed_units)}",
                  file=sys.stderr)

    def poweroff(self, timeout=60):
        """Powers the container off (SIGRTMIN+4 to its init); kills it after timeout seconds.
        Then removes its cgroups and records in self.leftovers what it left on the host."""
        if not self._started:
            return
        self._started = False
        running = self._proc is not None and self._proc.poll() is None
        if running and self.pid is not None:
            os.kill(self.pid, signal.SIGRTMIN + 4)
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"container: no poweroff within {timeout} s, killing it", file=sys.stderr)
        self.clean_shutdown = (running and self.pid is not None
                               and self._proc.poll() is not None and self._proc.returncode == 0)
        self._kill_cgroups()
        if self._proc is not None:
            self._proc.wait(timeout=30)
            self.exit_code = self._proc.returncode
            self._console_copier.join(timeout=10)
        self._remove_cgroups()
        self._cgroups = []
        self._remove_own_nspawn_dirs()
        self.leftovers = sorted(host_state(self.root) - self._host_before)
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        if self.console_log.parent == self._tmp:
            self._saved_console = self.console_tail(lines=200)
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp = None

    def _kill_cgroups(self):
        for group in self._cgroups:
            if (group / "cgroup.kill").exists():
                (group / "cgroup.kill").write_text("1")
        for _ in range(3):
            pids = set()
            for group in self._cgroups:
                for procs in group.rglob("cgroup.procs"):
                    pids.update(int(p) for p in procs.read_text().split())
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)

    def _remove_cgroups(self):
        for group in self._cgroups:
            if not group.exists():
                continue
            directories = sorted((p for p in group.rglob("*") if p.is_dir()),
                                 key=lambda p: len(p.parts), reverse=True) + [group]
            for directory in directories:
                for _ in _deadline_loop(10, interval=0.1):
                    try:
                        directory.rmdir()
                        break
                    except FileNotFoundError:
                        break
                    except OSError as error:
                        if error.errno != errno.EBUSY:
                            raise

    def _remove_own_nspawn_dirs(self):
        # A killed nspawn leaves its (empty, once its namespace is gone) volatile mount point.
        for path in map(Path, host_state(self.root) - self._host_before):
            if path.parent in (Path("/tmp"), Path("/var/tmp")) and path.name.startswith("nspawn-"):
                try:
                    path.rmdir()
                except OSError:
                    pass

    def console_tail(self, lines=40):
        """The last lines of the container's console (boot and shutdown messages)."""
        try:
            text = self.console_log.read_text(errors="replace")
        except (OSError, AttributeError):
            text = self._saved_console
        return "\n".join(text.splitlines()[-lines:])

    # --- inside the container ----------------------------------------------------------

    def run(self, cmd, check=True, timeout=120, input=None, env=None):
        """Runs cmd (a list, or a string for sh -c) inside the container as root, with a
        clean environment (CONTAINER_ENV plus env). Returns a CompletedProcess with text
        output; raises CommandError on a non-zero exit when check, TimeoutError on timeout."""
        if self.pid is None:
            raise ContainerError("the container is not running")
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        variables = {**CONTAINER_ENV, **(env or {})}
        argv = (["nsenter", "-t", str(self.pid), "-a", "--", "/usr/bin/env", "-i"]
                + [f"{k}={v}" for k, v in variables.items()] + list(cmd))
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else
                                subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True,
                                preexec_fn=self._join_cgroup("commands"))
        try:
            stdout, stderr = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise TimeoutError(f"{shlex.join(cmd)} did not finish within {timeout} s")
        result = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
        if check and result.returncode != 0:
            raise CommandError(cmd, result)
        return result

    def systemctl(self, *args, check=True, timeout=120):
        return self.run(["systemctl", "--no-pager", *args], check=check, timeout=timeout)

    def list_failed_units(self):
        output = self.systemctl("--failed", "--plain", "--no-legend", check=False).stdout
        return [line.split()[0] for line in output.splitlines() if line.strip()]

    def journal(self, unit, user=None, wait_for=None, timeout=10):
        """The messages (journalctl -o cat) of a system unit, or of a user unit of user.
        With wait_for, polls up to timeout seconds until that text shows up (journald
        stores a unit's output asynchronously) and returns the journal either way."""
        if user is None:
            argv = ["journalctl", "--no-pager", "-o", "cat", "-u", unit]
        else:
            # journalctl --user-unit run by root would only match root's own user units.
            full = unit if "." in unit else unit + ".service"
            uid = self.uid(user)
            argv = ["journalctl", "--no-pager", "-o", "cat",
                    f"_UID={uid}", f"_SYSTEMD_USER_UNIT={full}", "+",
                    f"_UID={uid}", f"USER_UNIT={full}"]
        for _ in _deadline_loop(timeout if wait_for else 0, interval=0.2):
            text = self.run(argv).stdout
            if wait_for is None or wait_for in text:
                break
        return text

    # --- files -------------------------------------------------------------------------

    def host_path(self, container_path):
        """The host path of container_path, seen through /proc/<init>/root. Symlinks are
        resolved inside the container: an absolute link (/var/run -> /run) followed from the
        host would otherwise lead to the host's own files."""
        root = Path(f"/proc/{self.pid}/root")
        parts = list(Path(container_path).relative_to("/").parts)
        resolved = []
        for _ in range(256):
            if not parts:
                return root.joinpath(*resolved)
            part = parts.pop(0)
            if part == "..":
                resolved = resolved[:-1]
                continue
            candidate = root.joinpath(*resolved, part)
            if candidate.is_symlink():
                target = Path(os.readlink(candidate))
                if target.is_absolute():
                    resolved = []
                    parts = list(target.relative_to("/").parts) + parts
                else:
                    parts = list(target.parts) + parts
            elif part != ".":
                resolved.append(part)
        raise ContainerError(f"too many symlinks resolving {container_path}")

    def make_dirs(self, container_dir):
        """Creates container_dir and its missing parents (mode 0755, owned by root)."""
        directory = Path(container_dir)
        missing = []
        while not self.host_path(directory).exists():
            missing.append(directory)
            directory = directory.parent
        for directory in reversed(missing):
            self.host_path(directory).mkdir(mode=0o755)

    def write_file(self, container_path, content, mode=0o644, owner=None):
        """Writes text or bytes to container_path (in the overlay), creating parent
        directories. owner: (uid, gid) inside the container."""
        self.make_dirs(Path(container_path).parent)
        target = self.host_path(container_path)
        data = content.encode() if isinstance(content, str) else content
        with open(target, "wb") as out:
            out.write(data)
        os.chmod(target, mode)
        if owner is not None:
            os.chown(target, *owner)

    def copy_in(self, host_path, container_path, mode=None, owner=None):
        """Copies a file, or a directory tree, from the host to container_path. Keeps the
        modes (or sets mode on a single file); owner: (uid, gid) inside the container."""
        source = Path(host_path)
        if source.is_dir():
            self.make_dirs(container_path)
            for entry in source.iterdir():
                self.copy_in(entry, f"{container_path}/{entry.name}", owner=owner)
            return
        self.make_dirs(Path(container_path).parent)
        target = self.host_path(container_path)
        if source.is_symlink():
            if target.is_symlink() or target.exists():
                target.unlink()
            os.symlink(os.readlink(source), target)
            return
        shutil.copyfile(source, target)
        os.chmod(target, mode if mode is not None else stat.S_IMODE(source.stat().st_mode))
        if owner is not None:
            os.chown(target, *owner)

    # --- a user's service manager ------------------------------------------------------

    def uid(self, user):
        if user not in self._uids:
            self._uids[user] = int(self.run(["id", "-u", user]).stdout)
        return self._uids[user]

    def enable_user_manager(self, user, timeout=60):
        """Creates user when missing, lets it linger (logind then starts its manager) and
        waits until the manager runs. Returns the uid."""
        if self.run(["id", "-u", user], check=False).returncode != 0:
            self.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", user])
        uid = self.uid(user)
        self.run(["loginctl", "enable-linger", user])
        for _ in _deadline_loop(timeout):
            if self.host_path(f"/run/user/{uid}/systemd/private").exists():
                break
        else:
            raise ContainerError(f"the user manager of {user} did not start")
        state = self.user_systemctl(user, "is-system-running", "--wait", check=False,
                                    timeout=timeout).stdout.strip()
        if state not in ("running", "degraded"):
            raise ContainerError(f"user manager of {user}: state {state!r}")
        return uid

    def user_run(self, user, cmd, check=True, timeout=120, input=None):
        """Runs cmd as user with the environment of their session (XDG_RUNTIME_DIR, bus)."""
        uid = self.uid(user)
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        return self.run(["runuser", "-u", user, "--", "env", f"XDG_RUNTIME_DIR=/run/user/{uid}",
                         f"DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{uid}/bus", *cmd],
                        check=check, timeout=timeout, input=input)

    def user_systemctl(self, user, *args, check=True, timeout=120):
        return self.user_run(user, ["systemctl", "--user", "--no-pager", *args], check=check,
                             timeout=timeout)
