"""Helpers for ezkvm's boot tests: QMP, the guest's serial console, its report, the guest build.

The test guest (tests/guest/) prints a block like this on its serial console:

    EZKVM-REPORT-BEGIN
    cpus=1
    disk name=vda serial=X size_sectors=131072 model=- rotational=1 ro=0
    pci 00:02.0 vendor=0x1af4 device=0x1001 class=0x010000 driver=virtio-pci
    cmdline=console=ttyS0
    EZKVM-REPORT-END

parse_report() turns it into a dict of strings, with lists of dicts under "disk", "nic" and
"pci" (a pci entry's address is under "address").
"""

import contextlib
import json
import os
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
GUEST_BUILD = REPO_ROOT / "tests" / "guest" / "build"

REPORT_BEGIN = "EZKVM-REPORT-BEGIN"
REPORT_END = "EZKVM-REPORT-END"
REPORT_LIST_KINDS = ("disk", "nic", "pci")


class QmpError(Exception):
    pass


class Qmp:
    """A QMP client on a unix socket that keeps the events it reads along the way."""

    def __init__(self, path, timeout=30.0):
        self.events = []
        self._buffer = b""
        self._next_id = 0
        self._sock = _connect_unix(path, timeout)
        greeting = self._read_message(time.monotonic() + timeout)
        if "QMP" not in greeting:
            raise QmpError(f"unexpected QMP greeting: {greeting}")
        reply = self.execute("qmp_capabilities", timeout=timeout)
        if "return" not in reply:
            raise QmpError(f"qmp_capabilities failed: {reply}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._sock.close()

    def execute(self, command, arguments=None, timeout=30.0):
        """Runs a command and returns its reply: {"return": ...} or {"error": ...}."""
        self._next_id += 1
        request = {"execute": command, "id": self._next_id}
        if arguments is not None:
            request["arguments"] = arguments
        self._sock.sendall(json.dumps(request).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            if "event" in message:
                self.events.append(message)
            elif message.get("id") == self._next_id:
                return message

    def wait_event(self, name, timeout):
        """Returns (and consumes) the first event called name, or None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event["event"] == name:
                    return self.events.pop(index)
            try:
                message = self._read_message(deadline)
            except (TimeoutError, QmpError):
                return None
            if "event" in message:
                self.events.append(message)

    def _read_message(self, deadline):
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no QMP message before the deadline")
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout as error:
                raise TimeoutError("no QMP message before the deadline") from error
            if not chunk:
                raise QmpError("QMP connection closed")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line) if line.strip() else self._read_message(deadline)


class Console:
    """Collects a guest's serial output from a log file or a unix socket."""

    def __init__(self, reader):
        self._reader = reader
        self._data = b""

    @classmethod
    def from_file(cls, path):
        """Follows a file qemu writes (which may not exist yet)."""
        return cls(_FileReader(Path(path)))

    @classmethod
    def from_socket(cls, path, timeout=30.0):
        """Connects to a serial chardev socket, retrying until it exists."""
        return cls(_SocketReader(_connect_unix(path, timeout)))

    @property
    def text(self):
        return self._data.decode("utf-8", errors="replace").replace("\r", "")

    def mark(self):
        """A position for wait_for(start=...) to ignore earlier output."""
        return len(self.text)

    def wait_for(self, pattern, timeout, start=0, process=None):
        """Returns the first match of pattern (a regex) after start, or None after timeout.

        Stops early when process (a subprocess.Popen) has exited and nothing more arrives.
        """
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.text, start)
            if match:
                return match
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            exited = process is not None and process.poll() is not None
            got_more = self._read(min(remaining, 0.2))
            if exited and not got_more:
                match = regex.search(self.text, start)
                return match

    def drain(self, timeout=1.0):
        """Reads what is still pending, e.g. after qemu has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._read(0.1):
            pass

    def close(self):
        self._reader.close()

    def _read(self, wait):
        chunk = self._reader.read(wait)
        self._data += chunk
        return bool(chunk)


class _FileReader:
    def __init__(self, path):
        self._path = path
        self._file = None

    def read(self, wait):
        if self._file is None and self._path.exists():
            self._file = open(self._path, "rb")
        chunk = self._file.read() if self._file else b""
        if not chunk:
            time.sleep(wait)
        return chunk

    def close(self):
        if self._file:
            self._file.close()


class _SocketReader:
    def __init__(self, sock):
        self._sock = sock
        self._open = True

    def read(self, wait):
        if not self._open:
            time.sleep(wait)
            return b""
        ready, _, _ = select.select([self._sock], [], [], wait)
        if not ready:
            return b""
        chunk = self._sock.recv(65536)
        if not chunk:
            self._open = False
        return chunk

    def close(self):
        self._sock.close()


def _connect_unix(path, timeout):
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            return sock
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def parse_report(text):
    """Parses the last complete report block in text; None when there is none.

    The begin marker may follow the firmware's screen escapes on its line (a quiet kernel
    prints nothing before it)."""
    lines = text.replace("\r", "").split("\n")
    try:
        end = len(lines) - 1 - lines[::-1].index(REPORT_END)
    except ValueError:
        return None
    begins = [i for i in range(end) if lines[i].endswith(REPORT_BEGIN)]
    if not begins:
        return None
    begin = begins[-1]
    report = {kind: [] for kind in REPORT_LIST_KINDS}
    for line in lines[begin + 1:end]:
        kind, _, rest = line.partition(" ")
        if kind in REPORT_LIST_KINDS:
            report[kind].append(_parse_fields(rest))
        elif "=" in line:
            key, _, value = line.partition("=")
            report[key] = value
    return report


def _parse_fields(text):
    """'00:02.0 vendor=0x1af4 model=QEMU/QEMU HARDDISK' -> {address, vendor, model}.

    A value runs up to the next ' key=', so it may contain spaces.
    """
    fields = {}
    for part in re.split(r" (?=[a-z_]+=)", text.strip()):
        key, sep, value = part.partition("=")
        if sep:
            fields[key] = value
        else:
            fields["address"] = part
    return fields


_guest_cache = {}


@contextlib.contextmanager
def qemu_process(argv, workdir, checks):
    """qemu started from `argv`, its output going to `workdir`/qemu.log. On leaving: killed
    when still running, and its output printed when one of `checks` failed."""
    log_path = Path(workdir) / "qemu.log"
    with open(log_path, "wb") as log:
        qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield qemu
        finally:
            if qemu.poll() is None:
                qemu.kill()
                qemu.wait()
            if checks.failed:
                print("--- qemu output ---\n" + log_path.read_text(errors="replace"))


def guest_paths(kernel="cloud"):
    """(vmlinuz, initrd) of the test guest, built by tests/guest/build when needed.

    kernel "cloud" boots faster; "generic" also has e1000/e1000e/AHCI drivers.
    """
    if kernel not in _guest_cache:
        env = dict(os.environ, EZKVM_GUEST_KERNEL=kernel)
        result = subprocess.run([str(GUEST_BUILD)], env=env, stdout=subprocess.PIPE, text=True,
                                check=True)
        directory = Path(result.stdout.strip().splitlines()[-1])
        _guest_cache[kernel] = (directory / "vmlinuz", directory / "initrd.img")
    return _guest_cache[kernel]


class HostKvm:
    """What ezkvm's host probe (`ezkvm host --json`) says about KVM here."""

    def __init__(self, ezkvm):
        result = subprocess.run([ezkvm, "host", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        if result.returncode != 0:
            raise RuntimeError(f"ezkvm host --json failed: {result.stderr}")
        kvm = json.loads(result.stdout)["kvm"]
        self.runs_guests = kvm["status"] == "runs"
        self.features_off = kvm["features_off"]
        self.reason = kvm["problem"] or kvm["status"]

    def accel_argv(self):
        """qemu's -accel/-cpu for a guest started straight with qemu: KVM where it runs guests
        (with the known quirks worked around), else TCG."""
        if self.runs_guests:
            return ["-accel", "kvm", "-cpu", ",".join(["host"] + [f"-{f}" for f in self.features_off])]
        return ["-accel", "tcg", "-cpu", "max"]

    def describe(self):
        if self.runs_guests:
            quirks = f", working around {', '.join(self.features_off)}" if self.features_off else ""
            return f"KVM (it runs guests here{quirks})"
        return f"TCG (KVM does not run guests here: {self.reason})"


class Checks:
    """Counts named checks, prints each result and the 'N passed, N failed' summary."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"PASS {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + str(detail) if detail else ''}")
        sys.stdout.flush()
        return bool(condition)

    def finish(self):
        """Prints the summary and returns the process exit code."""
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed or not self.passed else 0
