#!/usr/bin/env python3
"""`ezkvm console`, `ezkvm qmp`, `ezkvm monitor` and `ezkvm view --print` in a real systemd
252 (container.py), with the build installed the way test_units.py installs it, against the
test guest running as `systemctl start ezkvm@demo`.

The guest's console is a tty in canonical mode with echo: a line sent through
`ezkvm console` comes back through it, which shows input reaching the guest and output
coming back. The console is driven from a pipe and from a pseudo-terminal (raw mode while
attached, the terminal's mode restored after Ctrl-]).

usage: test_console_qmp.py BUILD_DIR   (a build configured with --prefix=/usr or /usr/local)
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "boot"))
from test_units import GUEST_DIR, REPORT_TIMEOUT, SMALL_YAML, prop, run_step  # noqa: E402
from installed_test import run_installed  # noqa: E402

DEMO_YAML = SMALL_YAML.format(stop_timeout=30, autostart="no", guest=GUEST_DIR, cmdline="")

# VM files for `ezkvm view --print` (they are never started).
VIEW_FILES = {
    "spicevm": "display: { type: remote-viewer }\n",
    "spicetcp": ("display: { type: spice }\n"
                 "spice: { addr: 127.0.0.1, port: 5930, password_file: /etc/ezkvm/spice-password }\n"),
    "lgvm": ("display:\n  type: looking_glass\n  device: { path: /dev/kvmfr0, size: 128M }\n"
             "  input: { grab_keyboard: yes, escape_key: KEY_F12 }\n"
             "  window: { size: 1707x1067, full_screen: yes }\n"),
    "vncvm": "display: { type: vnc }\n",
    "gtkvm": "display: { type: gtk }\n",
}
VIEW_EXPECTED = {
    "spicevm": "remote-viewer --title 'ezkvm: spicevm' spice+unix:///run/ezkvm/spicevm/spice.sock",
    "spicetcp": "remote-viewer --title 'ezkvm: spicetcp' spice://127.0.0.1:5930",
    "lgvm": ("looking-glass-client app:shmFile=/dev/kvmfr0 'win:title=ezkvm: lgvm' win:size=1707x1067 "
             "win:fullScreen=yes input:grabKeyboard=yes input:escapeKey=KEY_F12 "
             "spice:host=/run/ezkvm/lgvm/spice.sock spice:port=0"),
    "vncvm": "remote-viewer --title 'ezkvm: vncvm' vnc+unix:///run/ezkvm/vncvm/vnc.sock",
}

# Drives `ezkvm console VM` inside the container from a pipe or a pseudo-terminal: sends a
# marker line, waits for the guest's echo of it, then Ctrl-]; prints what happened as JSON.
CONSOLE_DRIVER = r"""
import json, os, pty, select, subprocess, sys, termios, time
vm, mode, marker = sys.argv[1:4]
result = {}
def read_until(fd, text, timeout):
    data, deadline = b"", time.monotonic() + timeout
    while text.encode() not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data.decode(errors="replace")
if mode == "pipe":
    proc = subprocess.Popen(["ezkvm", "console", vm], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(1)  # attached; the relay serves one client
    proc.stdin.write((marker + "\r").encode()); proc.stdin.flush()
    result["output"] = read_until(proc.stdout.fileno(), marker, 60)
    proc.stdin.write(b"\x1d"); proc.stdin.flush()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    result["exit"] = proc.returncode
    result["stderr"] = proc.stderr.read().decode(errors="replace")
else:
    master, slave = pty.openpty()
    proc = subprocess.Popen(["ezkvm", "console", vm], stdin=slave, stdout=slave, stderr=slave)
    banner = read_until(master, "detach with", 10)
    result["raw_while_attached"] = not (termios.tcgetattr(slave)[3] & termios.ICANON)
    os.write(master, (marker + "\r").encode())
    result["output"] = banner + read_until(master, marker, 60)
    os.write(master, b"\x1d")
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    result["exit"] = proc.returncode
    attrs = termios.tcgetattr(slave)
    result["restored"] = bool(attrs[3] & termios.ICANON) and bool(attrs[3] & termios.ECHO)
    result["stderr"] = read_until(master, "detached", 2)
print(json.dumps(result))
"""


def ezkvm(box, *args, user=None, input=None):
    argv = ["ezkvm", *args] if user is None else ["runuser", "-u", user, "--", "ezkvm", *args]
    return box.run(argv, check=False, timeout=90, input=input)


def drive_console(box, mode, marker):
    result = box.run(["python3", "/usr/local/lib/ezkvm-test/console-driver.py", "demo", mode, marker],
                     check=False, timeout=120)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return {"error": result.stdout + result.stderr}


def check_setup(checks, box):
    box.run(["systemd-sysusers"])
    box.run(["systemd-tmpfiles", "--create"])
    box.run(["useradd", "--create-home", "mallory"])
    box.write_file("/usr/local/lib/ezkvm-test/console-driver.py", CONSOLE_DRIVER)
    box.write_file("/etc/ezkvm/demo.yaml", DEMO_YAML)
    for name, text in VIEW_FILES.items():
        box.write_file(f"/etc/ezkvm/{name}.yaml", text)
    box.write_file("/etc/ezkvm/spice-password", "s3cret", mode=0o600)
    box.systemctl("daemon-reload")


def check_start(checks, box):
    result = box.systemctl("start", "ezkvm@demo.service", check=False, timeout=400)
    if not checks.check("systemctl start ezkvm@demo succeeds", result.returncode == 0,
                        f"{result.stderr}\n{box.journal('ezkvm@demo.service')[-3000:]}"):
        return False
    journal = box.journal("ezkvm@demo.service", wait_for="EZKVM-REPORT-END", timeout=REPORT_TIMEOUT)
    return checks.check("the guest booted (its report is in the journal)", "EZKVM-REPORT-END" in journal,
                        journal[-3000:])


def check_console(checks, box):
    got = drive_console(box, "pipe", "EZKVM-PIPE-ECHO-1")
    checks.check("ezkvm console from a pipe: the guest echoes the line sent",
                 "EZKVM-PIPE-ECHO-1" in got.get("output", ""), got)
    checks.check("ezkvm console from a pipe: Ctrl-] detaches with exit 0", got.get("exit") == 0, got)
    checks.check("ezkvm console names the escape key and says it detached",
                 "detach with Ctrl-]" in got.get("stderr", "") and "detached from the console of demo"
                 in got.get("stderr", ""), got)
    got = drive_console(box, "pty", "EZKVM-PTY-ECHO-2")
    checks.check("ezkvm console on a terminal: the guest echoes the line typed",
                 "EZKVM-PTY-ECHO-2" in got.get("output", ""), got)
    checks.check("ezkvm console on a terminal: raw mode while attached", got.get("raw_while_attached") is True,
                 got)
    checks.check("ezkvm console on a terminal: Ctrl-] detaches, terminal mode restored",
                 got.get("exit") == 0 and got.get("restored") is True, got)
    journal = box.journal("ezkvm@demo.service", wait_for="EZKVM-PTY-ECHO-2")
    checks.check("what was typed on the console also reaches the journal", "EZKVM-PIPE-ECHO-1" in journal,
                 journal[-2000:])

    # journald reads a "<N>" priority prefix at the start of each line of a unit's stdout:
    # a guest line "<0>..." there was logged at emerg and broadcast to every terminal.
    got = drive_console(box, "pipe", "<0>EZKVM-PRIORITY-0")
    box.journal("ezkvm@demo.service", wait_for="EZKVM-PRIORITY-0")
    entries = [json.loads(line) for line in box.run(["journalctl", "--no-pager", "-o", "json", "-u",
                                                     "ezkvm@demo.service"]).stdout.splitlines()]
    marked = [(e.get("PRIORITY"), e.get("MESSAGE")) for e in entries if "EZKVM-PRIORITY-0" in str(e.get("MESSAGE"))]
    checks.check("a guest console line starting '<0>' is logged as text at info priority, not at emerg",
                 marked and all(p == "6" and str(m).startswith("<0>") for p, m in marked), (got, marked))

    result = ezkvm(box, "console", "demo", user="mallory")
    checks.check("a user outside group ezkvm gets a permission message naming group ezkvm",
                 result.returncode == 1 and "permission denied" in result.stderr and "group ezkvm" in result.stderr,
                 f"exit {result.returncode}: {result.stderr}")
    result = ezkvm(box, "console", "spicevm")
    checks.check("console of a VM that is not running: clear error",
                 result.returncode == 1 and "VM 'spicevm' is not running" in result.stderr,
                 f"exit {result.returncode}: {result.stderr}")
    result = ezkvm(box, "console", "dmeo")
    checks.check("console of an unknown VM: did you mean",
                 result.returncode == 1 and "there is no VM 'dmeo'" in result.stderr and "demo" in result.stderr,
                 f"exit {result.returncode}: {result.stderr}")


def check_qmp(checks, box):
    result = ezkvm(box, "qmp", "demo", "query-status")
    try:
        reply = json.loads(result.stdout)
    except ValueError:
        reply = None
    checks.check("ezkvm qmp demo query-status prints JSON with running",
                 result.returncode == 0 and reply and reply.get("status") == "running" and reply.get("running"),
                 f"exit {result.returncode}: {result.stdout}{result.stderr}")
    checks.check("the reply is pretty-printed", "\n  \"" in result.stdout, result.stdout)
    result = ezkvm(box, "qmp", "demo", "human-monitor-command", '{"command-line": "info name"}')
    checks.check("ezkvm qmp with JSON arguments", result.returncode == 0 and "demo" in result.stdout,
                 f"exit {result.returncode}: {result.stdout}{result.stderr}")
    result = ezkvm(box, "qmp", "demo", "no-such-command")
    checks.check("a QMP error reply: class and message, exit 1",
                 result.returncode == 1 and "CommandNotFound" in result.stderr and not result.stdout,
                 f"exit {result.returncode}: {result.stdout}{result.stderr}")
    result = ezkvm(box, "qmp", "demo", "query-status", "{not json")
    checks.check("invalid JSON arguments: usage error, exit 2",
                 result.returncode == 2 and "one JSON object" in result.stderr,
                 f"exit {result.returncode}: {result.stderr}")
    result = ezkvm(box, "monitor", "demo", input="info status\n\ninfo name\n")
    checks.check("ezkvm monitor from a pipe answers info status",
                 result.returncode == 0 and "VM status: running" in result.stdout and "demo" in result.stdout,
                 f"exit {result.returncode}: {result.stdout}{result.stderr}")
    result = ezkvm(box, "monitor", "demo", input="info nonsense\n")
    checks.check("ezkvm monitor passes qemu's own complaint through",
                 result.returncode == 0 and "info nonsense" not in result.stderr and result.stdout.strip(),
                 f"exit {result.returncode}: {result.stdout}{result.stderr}")
    # Still running after all of it.
    checks.check("the VM still runs", prop(box, "ezkvm@demo.service", "ActiveState") == "active")


def check_view(checks, box):
    for name, expected in VIEW_EXPECTED.items():
        result = ezkvm(box, "view", "--print", name)
        checks.check(f"ezkvm view --print {name}", result.returncode == 0 and result.stdout.strip() == expected,
                     f"exit {result.returncode}: {result.stdout}{result.stderr}")
    result = ezkvm(box, "view", "--print", "spicetcp")
    checks.check("the SPICE password never appears on the command line",
                 "s3cret" not in result.stdout + result.stderr and "/etc/ezkvm/spice-password" in result.stderr,
                 result.stdout + result.stderr)
    result = ezkvm(box, "view", "gtkvm")
    checks.check("view of a gtk display explains whose window it is",
                 result.returncode == 1 and "window of the session that runs it" in result.stderr, result.stderr)
    result = ezkvm(box, "view", "spicevm")
    checks.check("view without remote-viewer installed names the package",
                 result.returncode == 1 and "apt install virt-viewer" in result.stderr, result.stderr)


def steps(checks, box, times):
    run_step(checks, "setup", lambda: check_setup(checks, box))
    run_step(checks, "view", lambda: check_view(checks, box))
    if run_step(checks, "start", lambda: check_start(checks, box)):
        run_step(checks, "console", lambda: check_console(checks, box))
        run_step(checks, "qmp", lambda: check_qmp(checks, box))


def main():
    return run_installed(__doc__, steps)

if __name__ == "__main__":
    sys.exit(main())
