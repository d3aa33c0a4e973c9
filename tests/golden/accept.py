#!/usr/bin/env python3
"""qemu acceptance of every golden case.

For each tests/cases/<name>.yaml: take `ezkvm show --json`, point every host
file at a stand-in in a temporary directory (qcow2/raw images made by qemu-img,
a copy of the OVMF vars template, a minimal bzImage header for -kernel), swap
out only what needs hardware or services this machine lacks, start the real
qemu with -S, ask QMP for its status (must be "prelaunch"), send quit, and
require exit status 0. What was swapped is printed per case.

Always replaced: -accel kvm (forced tcg), -display (forced none), -S added.
Replaced when present: -cpu host and the KVM-only Hyper-V flags, vfio-pci
(a pci-testdev at the same bus/addr), hugetlb memory (a plain memfd), GL (virtio-vga-gl, spice gl=on,
egl-headless), tap netdevs (user), the pa audio backend (none: no PulseAudio
server), TCP ports (free ones), SPICE's x509-dir (a self-signed CA and server
certificate made with openssl). A real swtpm serves the TPM socket.

usage: accept.py EZKVM [CASE...]
"""
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "hosts"))
from host_fixture import host_capabilities  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases"
FIRMWARE_DIRS = [Path("/etc/qemu/firmware"), Path("/usr/share/qemu/firmware")]
FLAG_OPTIONS = {"-nodefaults", "-no-user-config", "-S"}
KVM_ONLY_CPU_FLAGS = {"hv_vpindex", "hv_synic", "hv_stimer"}
START_TIMEOUT = 90


# --- qemu option strings: "head,key=value,..." with ",," for a literal comma

def split_opts(text):
    items, current, i = [], "", 0
    while i < len(text):
        if text[i] == "," and text[i + 1:i + 2] == ",":
            current += ","
            i += 2
        elif text[i] == ",":
            items.append(current)
            current = ""
            i += 1
        else:
            current += text[i]
            i += 1
    items.append(current)
    return items


def join_opts(items):
    return ",".join(item.replace(",", ",,") for item in items)


def get_prop(items, key):
    for item in items:
        if item.startswith(key + "="):
            return item[len(key) + 1:]
    return None


def set_prop(items, key, value):
    return [f"{key}={value}" if item.startswith(key + "=") else item for item in items]


def drop_props(items, *keys):
    return [item for item in items if item.split("=", 1)[0] not in keys]


def pairs(argv):
    """argv[1:] as (option, value-or-None) pairs."""
    out, i = [], 1
    while i < len(argv):
        opt = argv[i]
        if opt in FLAG_OPTIONS or i + 1 >= len(argv):
            out.append((opt, None))
            i += 1
        else:
            out.append((opt, argv[i + 1]))
            i += 2
    return out


def free_port(start=0):
    """A TCP port nothing listens on; at or above `start` when given."""
    for port in range(start, start + 1000) if start else [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


def nvram_templates():
    """OVMF code image -> its vars template, from the firmware descriptors."""
    out = {}
    for directory in reversed(FIRMWARE_DIRS):
        for f in sorted(directory.glob("*.json")) if directory.is_dir() else []:
            try:
                mapping = json.loads(f.read_text()).get("mapping", {})
            except (OSError, ValueError):
                continue
            code = mapping.get("executable", {}).get("filename")
            vars_template = mapping.get("nvram-template", {}).get("filename")
            if code and vars_template:
                out[os.path.realpath(code)] = vars_template
    return out


def fake_bzimage(path):
    """The smallest file qemu's x86 loader accepts as a Linux kernel."""
    b = bytearray(8192)
    b[0x1f1] = 1                                    # setup sectors
    b[0x1fe:0x200] = b"\x55\xaa"
    b[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", b, 0x206, 0x020f)       # boot protocol 2.15
    b[0x211] = 0x01                                 # loaded high
    struct.pack_into("<I", b, 0x22c, 0x7fffffff)   # initrd_addr_max
    struct.pack_into("<I", b, 0x238, 2048)         # cmdline_size
    path.write_bytes(bytes(b))


class Case:
    def __init__(self, ezkvm, case, tmp):
        self.ezkvm, self.case, self.tmp = ezkvm, case, tmp
        self.notes = []
        self.files = tmp / "files"
        self.files.mkdir()
        self.counter = 0
        self.swtpm = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("EZKVM_") and not k.startswith("XDG_")}
        root = tmp / "root"
        (root / "etc").mkdir(parents=True)
        (root / "usr").symlink_to("/usr")
        self.env.update(EZKVM_ROOT=str(root), EZKVM_TEMPLATES_DIR=str(REPO / "etc" / "templates"),
                        EZKVM_RUNTIME_DIR=str(tmp / "run"), EZKVM_STATE_DIR=str(tmp / "state"),
                        EZKVM_HOST_CAPABILITIES=host_capabilities(case))

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def ezkvm_show(self, *flags):
        result = subprocess.run([self.ezkvm, "show", *flags, str(self.case)], capture_output=True, text=True,
                                env=self.env)
        if result.returncode != 0:
            raise RuntimeError(f"ezkvm show failed:\n{result.stderr}")
        return result.stdout

    def stand_in(self, original, suffix=""):
        self.counter += 1
        return self.files / f"{self.counter}-{Path(original).name.replace(',', '_')}{suffix}"

    def inside(self, path):
        return str(path).startswith(str(self.tmp) + "/")

    def socket_path(self, path):
        """Sockets the plan put outside the temporary directory move into it."""
        if self.inside(path):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            return path
        moved = self.tmp / "sockets" / f"{self.counter}-{Path(path).name}"
        self.counter += 1
        moved.parent.mkdir(exist_ok=True)
        self.note(f"socket {path} -> temporary directory")
        return str(moved)

    # --- per option rewriting

    def drive(self, items, templates, code_file):
        if get_prop(items, "if") == "pflash":
            if get_prop(items, "readonly") == "on":
                return items, os.path.realpath(get_prop(items, "file"))
            template = templates.get(code_file)
            if not template:
                raise RuntimeError(f"no vars template for {code_file}")
            vars_copy = self.stand_in("vars.fd")
            shutil.copyfile(template, vars_copy)
            if get_prop(items, "size"):
                # A store larger than the firmware's, as an LVM volume would be: size= must cut it.
                os.truncate(vars_copy, 1 << 20)
            self.note("vars store: copy of the OVMF template")
            return set_prop(items, "file", str(vars_copy)), code_file
        if get_prop(items, "file") is None:
            return items, code_file  # an empty CD-ROM drive
        fmt = get_prop(items, "format")
        image = self.stand_in(get_prop(items, "file"), "." + fmt)
        subprocess.run(["qemu-img", "create", "-q", "-f", fmt, str(image), "16M"], check=True)
        self.note("disks: qemu-img images")
        return set_prop(items, "file", str(image)), code_file

    def device(self, items):
        head = items[0]
        if head == "vfio-pci":
            self.note("vfio-pci -> pci-testdev at the same bus/addr (no IOMMU device here)")
            return ["pci-testdev"] + drop_props(items[1:], "host", "x-vga", "romfile")
        if head == "virtio-vga-gl":
            self.note("virtio-vga-gl -> virtio-vga (no OpenGL here)")
            return ["virtio-vga"] + items[1:]
        return items

    def cpu(self, items):
        kept = [items[0]] + [f for f in items[1:] if f not in KVM_ONLY_CPU_FLAGS]
        if len(kept) != len(items):
            self.note("cpu: KVM-only Hyper-V flags dropped (TCG)")
        if kept[0] == "host":
            self.note("cpu host -> max (TCG)")
            kept[0] = "max"
        return kept

    def netdev(self, items):
        if items[0] == "tap":
            self.note("tap netdev -> user (no tap devices here)")
            return ["user", f"id={get_prop(items, 'id')}"]
        if items[0] == "user":
            out = []
            for item in items:
                m = re.fullmatch(r"hostfwd=(tcp|udp):([^:]*):(\d+)-:(\d+)", item)
                if m:
                    item = f"hostfwd={m[1]}:{m[2]}:{free_port()}-:{m[4]}"
                    self.note("hostfwd host ports -> free ports")
                out.append(item)
            return out
        if items[0] == "stream":
            return set_prop(items, "addr.path", self.socket_path(get_prop(items, "addr.path")))
        return items

    def chardev(self, items):
        if items[0] != "socket":
            return items
        path = self.socket_path(get_prop(items, "path"))
        items = set_prop(items, "path", path)
        if get_prop(items, "logfile"):
            items = set_prop(items, "logfile", str(Path(path).parent / Path(get_prop(items, "logfile")).name))
        if get_prop(items, "id") == "tpm-chr":
            self.start_swtpm(path)
        return items

    def start_swtpm(self, path):
        state = self.tmp / f"tpm{len(self.swtpm)}"
        state.mkdir()
        version2 = not re.search(r"tpm:\n(?:    .*\n)*?    version: \"?1\.2", self.ezkvm_show("--resolved"))
        cmd = ["swtpm", "socket", "--tpmstate", f"dir={state}", "--ctrl", f"type=unixio,path={path}"]
        if version2:
            cmd.append("--tpm2")
        self.swtpm.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        deadline = time.monotonic() + 10
        while not os.path.exists(path):
            if time.monotonic() > deadline or self.swtpm[-1].poll() is not None:
                raise RuntimeError("swtpm did not start")
            time.sleep(0.05)
        self.note(f"TPM: a real swtpm ({'2.0' if version2 else '1.2'})")

    def spice(self, items):
        if get_prop(items, "gl"):
            self.note("SPICE gl=on dropped (no render node here)")
            items = drop_props(items, "gl", "rendernode")
        if get_prop(items, "unix") == "on":
            return set_prop(items, "addr", self.socket_path(get_prop(items, "addr")))
        self.note("SPICE TCP port -> a free port")
        if get_prop(items, "tls-port"):
            self.note("SPICE x509-dir -> a self-signed CA and server certificate")
            items = set_prop(set_prop(items, "tls-port", str(free_port())), "x509-dir", self.x509_dir())
        return set_prop(items, "port", str(free_port())) if get_prop(items, "port") else items

    def x509_dir(self):
        """What SPICE's x509-dir holds: ca-cert.pem, server-cert.pem, server-key.pem."""
        directory = self.tmp / "x509"
        if not directory.exists():
            directory.mkdir()
            openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            subprocess.run(openssl + ["-subj", "/CN=test CA", "-keyout", str(directory / "ca-key.pem"),
                                      "-out", str(directory / "ca-cert.pem")], check=True, capture_output=True)
            subprocess.run(openssl + ["-subj", "/CN=localhost", "-CA", str(directory / "ca-cert.pem"),
                                      "-CAkey", str(directory / "ca-key.pem"),
                                      "-keyout", str(directory / "server-key.pem"),
                                      "-out", str(directory / "server-cert.pem")], check=True, capture_output=True)
        return str(directory)

    def vnc(self, items):
        where = items[0]
        if where.startswith("unix:"):
            return ["unix:" + self.socket_path(where[len("unix:"):])] + items[1:]
        host = where.rsplit(":", 1)[0]
        self.note("VNC display -> a free port")
        return [f"{host}:{free_port(5900) - 5900}"] + items[1:]

    def object(self, items):
        if items[0] == "secret":
            secret = self.stand_in(get_prop(items, "file"))
            secret.write_text("password")
            self.note("secret files: stand-ins")
            return set_prop(items, "file", str(secret))
        if items[0] == "memory-backend-file":
            self.note(f"{get_prop(items, 'mem-path')} -> a temporary file")
            return set_prop(items, "mem-path", str(self.stand_in(get_prop(items, "mem-path"))))
        if items[0] == "memory-backend-memfd" and get_prop(items, "hugetlb") == "on":
            self.note("hugetlb memfd -> plain memfd (no hugepages reserved here)")
            return drop_props(items, "hugetlb", "hugetlbsize", "prealloc")
        return items

    def audiodev(self, items):
        if items[0] == "pa":
            self.note("audiodev pa -> none (no PulseAudio server here)")
            return ["none"] + items[1:]
        return items

    def rewrite(self, argv):
        templates = nvram_templates()
        code_file = None
        out = [argv[0]]
        qmp = None
        for opt, value in pairs(argv):
            if opt == "-accel":
                if value != "tcg":
                    self.note(f"-accel {value} dropped (forced tcg)")
                continue
            if opt == "-display":
                if value != "none":
                    self.note(f"-display {value} -> none")
                continue
            if opt in ("-kernel", "-initrd"):
                path = self.stand_in(value)
                if opt == "-kernel":
                    fake_bzimage(path)
                else:
                    path.write_bytes(b"initrd")
                self.note("kernel/initrd: stand-ins")
                out += [opt, str(path)]
                continue
            if value is None:
                out.append(opt)
                continue
            items = split_opts(value)
            if opt == "-drive":
                items, code_file = self.drive(items, templates, code_file)
            elif opt == "-device":
                items = self.device(items)
            elif opt == "-cpu":
                items = self.cpu(items)
            elif opt == "-netdev":
                items = self.netdev(items)
            elif opt == "-chardev":
                items = self.chardev(items)
                if get_prop(items, "id") == "qmp":
                    qmp = get_prop(items, "path")
            elif opt == "-spice":
                items = self.spice(items)
            elif opt == "-vnc":
                items = self.vnc(items)
            elif opt == "-object":
                items = self.object(items)
            elif opt == "-audiodev":
                items = self.audiodev(items)
            out += [opt, join_opts(items)]
        out += ["-accel", "tcg", "-display", "none", "-S"]
        return out, qmp

    def run(self):
        argv = json.loads(self.ezkvm_show("--json"))
        argv, qmp = self.rewrite(argv)
        if not qmp:
            raise RuntimeError("no QMP socket in the command line")
        qemu = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            try:
                status = self.query_status(qemu, qmp)
            except (OSError, ValueError) as e:
                _, err = qemu.communicate(timeout=START_TIMEOUT)
                raise RuntimeError(f"QMP failed ({e}); qemu exited {qemu.returncode}:\n{err}") from e
            _, err = qemu.communicate(timeout=START_TIMEOUT)
        finally:
            if qemu.poll() is None:
                qemu.kill()
                qemu.wait()
            self.stop_swtpm()
        if status != "prelaunch":
            raise RuntimeError(f"status {status!r}, expected 'prelaunch'")
        if qemu.returncode != 0:
            raise RuntimeError(f"qemu exited {qemu.returncode}:\n{err}")

    def query_status(self, qemu, path):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if qemu.poll() is not None:
                raise RuntimeError(f"qemu exited {qemu.returncode}:\n{qemu.stderr.read()}")
            if time.monotonic() > deadline:
                raise RuntimeError("QMP socket did not appear")
            if os.path.exists(path):
                try:
                    conn = socket.socket(socket.AF_UNIX)
                    conn.connect(path)
                    break
                except OSError:
                    conn.close()
            time.sleep(0.05)
        conn.settimeout(START_TIMEOUT)
        with conn, conn.makefile("rw") as f:
            json.loads(f.readline())  # greeting

            def execute(command):
                f.write(json.dumps({"execute": command}) + "\n")
                f.flush()
                while True:
                    reply = json.loads(f.readline())
                    if "event" not in reply:
                        return reply

            execute("qmp_capabilities")
            status = execute("query-status").get("return", {}).get("status")
            execute("quit")
            return status

    def stop_swtpm(self):
        for proc in self.swtpm:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait()


def run_and_report(case, label):
    """Runs one Case; prints ok or FAIL with what was replaced. True when qemu accepted it."""
    try:
        case.run()
    except (RuntimeError, subprocess.SubprocessError, OSError, ValueError) as e:
        replaced = f"replaced: {'; '.join(case.notes)}"
        print(f"FAIL {label}: {e}" + (f"\n     ({replaced})" if case.notes else ""))
        return False
    replaced = f"replaced: {'; '.join(case.notes)}"
    print(f"ok   {label}" + (f" ({replaced})" if case.notes else ""))
    return True


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ezkvm = os.path.abspath(argv[1])
    cases = sorted(CASES.glob("*.yaml"))
    if argv[2:]:
        cases = [c for c in cases if c.stem in argv[2:]]
    passed, failed = 0, []
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="ezkvm-accept-") as tmp:
            if run_and_report(Case(ezkvm, case, Path(tmp)), case.stem):
                passed += 1
            else:
                failed.append(case.stem)
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
