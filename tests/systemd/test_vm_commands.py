#!/usr/bin/env python3
"""ezkvm's everyday commands against a real systemd 252 (container.py), with the build under
test installed into the container as test_units.py does.

In one container, with the test guest (SeaBIOS, no TPM: fastest) as /etc/ezkvm/tiny.yaml:
`ezkvm list` (and --json), start, status (and --json, QMP state, PIDs, uptime), logs (-n, -f),
stop, stop --force, restart as root; `machinectl list/status` showing the VM while it runs and
not after (registered by the unit's ExecStartPost=+ ezkvm-helper register); a start that fails
shown with the unit's journal; two VM files sharing a MAC, refused only while the other runs; a non-root member of group ezkvm allowed by the shipped polkit
rule; a non-member refused with the message that says what to do; a user VM of a lingering
user through the user generator (`ezkvm --user start`); a VM file installed nowhere as a
transient user unit (`ezkvm --user start FILE`), whose `--print-systemd-run` line matches the
installed user unit's settings and, run by the shell, starts the same VM.

usage: test_vm_commands.py BUILD_DIR   (a build configured with --prefix=/usr or /usr/local)
"""

import json
import re
import shlex
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "boot"))
from installed_test import run_installed  # noqa: E402
from test_units import GUEST_DIR, run_step, wait_until  # noqa: E402

MEMBER, OUTSIDER = "alice", "bob"  # in group ezkvm / not
DENIED = ("you are not allowed to manage ezkvm@tiny.service: add yourself to group ezkvm "
          "(sudo usermod -aG ezkvm $USER) or use sudo")

VM_YAML = f"""\
general:
  description: command test guest
  accel: tcg
  stop_timeout: 30
system:
  bios: {{ type: seabios }}
  cpu: {{ cores: 1 }}
  memory: {{ max: 192M }}
  kernel:
    image: {GUEST_DIR}/vmlinuz
    initrd: {GUEST_DIR}/initrd.img
    cmdline: console=ttyS0 quiet
gpu: {{ type: none }}
display: {{ type: none }}
"""
# The user's VMs: name-derived identities (the SMBIOS UUID) pinned, so that the installed
# "mine" and the transient "eph" differ only in their names.
USER_VM_YAML = VM_YAML.replace("bios: { type: seabios }",
                               'bios: { type: seabios, uuid: "2c4f9d1e-3a5b-4c6d-8e7f-901a2b3c4d5e" }')
# The sandboxing both must end up with, as systemd reports it.
SAME_PROPERTIES = ("Type", "KillMode", "TimeoutStartUSec", "TimeoutStopUSec", "NoNewPrivileges", "RestrictNamespaces",
                   "LockPersonality", "RestrictRealtime", "RestrictSUIDSGID", "KeyringMode", "UMask",
                   "RestrictAddressFamilies", "SystemCallArchitectures", "SystemCallFilter", "SystemCallErrorNumber",
                   "MemoryDenyWriteExecute", "RequiresMountsFor")
# Ignores the ACPI power button: stopped by force after its stop timeout.
STUBBORN_YAML = VM_YAML.replace("stop_timeout: 30", "stop_timeout: 5").replace(
    "cmdline: console=ttyS0 quiet", "cmdline: console=ttyS0 quiet ezkvm.ignore_acpi=1")
# Valid, but its disk is not there when it starts.
MISSING_DISK_YAML = VM_YAML + "storage:\n  - { type: virtio-blk, file: /srv/missing/disk.qcow2 }\n"


def ezkvm(box, *args, user=None, check=False, timeout=200, scope_user=False):
    """Runs ezkvm inside the container as root or as `user` (with their session's environment)."""
    argv = ["ezkvm"] + (["--user"] if scope_user else []) + list(args)
    if user is None:
        return box.run(argv, check=check, timeout=timeout)
    return box.user_run(user, argv, check=check, timeout=timeout)


def prop(box, unit, name, user=None):
    if user is None:
        return box.systemctl("show", "-P", name, unit).stdout.strip()
    return box.user_systemctl(user, "show", "-P", name, unit).stdout.strip()


def parse_json(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def machines(box):
    return box.run(["machinectl", "list", "--no-legend", "--no-pager"], check=False).stdout


def output(result):
    return f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"


# --- the steps ---------------------------------------------------------------------------

def check_setup(checks, box):
    box.run(["systemd-sysusers"])
    box.run(["systemd-tmpfiles", "--create"])
    for user in (MEMBER, OUTSIDER):
        box.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/sh", user])
    box.run(["usermod", "-aG", "ezkvm", MEMBER])
    box.write_file("/etc/ezkvm/tiny.yaml", VM_YAML)
    box.write_file("/etc/ezkvm/broken.yaml", MISSING_DISK_YAML)
    box.systemctl("daemon-reload")
    rules = box.run(["ls", "/usr/share/polkit-1/rules.d", "/usr/local/share/polkit-1/rules.d"],
                    check=False).stdout
    checks.check("the polkit rule is installed", "50-ezkvm.rules" in rules, rules)
    # polkitd reads rules at start; it is started on demand, after the rule was in place.


def check_list(checks, box, user=None):
    who = f" as {user}" if user else ""
    result = ezkvm(box, "list", user=user)
    lines = result.stdout.splitlines()
    checks.check(f"ezkvm list{who} succeeds", result.returncode == 0, output(result))
    tiny = next((line.split() for line in lines if line.startswith("tiny ")), None)
    checks.check(f"ezkvm list{who} shows tiny: inactive, no autostart, 192M, 1 CPU, display none",
                 tiny == ["tiny", "inactive", "no", "192M", "1", "none"], result.stdout)
    listed = parse_json(ezkvm(box, "list", "--json", user=user).stdout)
    checks.check(f"ezkvm list --json{who} parses", isinstance(listed, list), listed)
    entry = next((e for e in listed or [] if e.get("name") == "tiny"), {})
    checks.check(f"ezkvm list --json{who}: tiny's fields",
                 entry.get("state") == "inactive" and entry.get("memory_mib") == 192 and entry.get("cpus") == 1
                 and entry.get("autostart") is False and entry.get("display") == "none"
                 and entry.get("unit") == "ezkvm@tiny.service" and entry.get("file") == "/etc/ezkvm/tiny.yaml",
                 entry)


def check_list_unusual_units(checks, box):
    """ezkvm list asks systemd about units it has not loaded only where the files leave it in
    doubt: a VM file the generator has not seen yet, a masked unit. Their states are systemd's."""
    def state_of(vm):
        listed = parse_json(ezkvm(box, "list", "--json").stdout) or []
        return next((e.get("state") for e in listed if e.get("name") == vm), None)

    box.write_file("/etc/ezkvm/fresh.yaml", box.run(["cat", "/etc/ezkvm/tiny.yaml"]).stdout)
    listed = state_of("fresh")  # first: asking systemctl loads the unit
    expected = prop(box, "ezkvm@fresh.service", "LoadState")  # no drop-in yet: the template alone
    checks.check("ezkvm list: a VM file not yet generated shows systemd's load state, not inactive",
                 expected not in ("", "loaded") and listed == expected, (expected, listed))
    box.run(["rm", "/etc/ezkvm/fresh.yaml"])
    box.systemctl("mask", "ezkvm@tiny.service")
    checks.check("ezkvm list: a masked VM shows masked", state_of("tiny") == "masked", state_of("tiny"))
    box.systemctl("unmask", "ezkvm@tiny.service")
    checks.check("ezkvm list: unmasked, inactive again", state_of("tiny") == "inactive", state_of("tiny"))


def check_list_without_bus(checks, box):
    result = box.run(["env", "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent", "ezkvm", "list", "--json"],
                     check=False)
    listed = parse_json(result.stdout) or []
    checks.check("ezkvm list without a reachable bus succeeds with state unknown",
                 result.returncode == 0 and listed and all(e["state"] == "unknown" for e in listed), output(result))


def check_start_as_root(checks, box, times):
    started = time.monotonic()
    result = ezkvm(box, "start", "tiny")
    times["ezkvm start tiny"] = time.monotonic() - started
    if not checks.check("ezkvm start tiny succeeds", result.returncode == 0, output(result)):
        return False
    checks.check("ezkvm@tiny is active when start returns", prop(box, "ezkvm@tiny.service", "ActiveState") == "active")
    pid = prop(box, "ezkvm@tiny.service", "MainPID")
    listed = machines(box)
    checks.check("machinectl list shows tiny as a vm", any(line.split()[:2] == ["tiny", "vm"]
                                                          for line in listed.splitlines()), listed)
    status = box.run(["machinectl", "status", "tiny", "--no-pager"], check=False).stdout
    checks.check("machinectl status tiny names qemu as its leader", f"Leader: {pid}" in status, status)
    checks.check("machinectl status tiny: service ezkvm, unit ezkvm@tiny.service",
                 "Service: ezkvm" in status and "Unit: ezkvm@tiny.service" in status, status)
    return True


def check_status(checks, box, user=None):
    who = f" as {user}" if user else ""
    pid = prop(box, "ezkvm@tiny.service", "MainPID")
    result = ezkvm(box, "status", "tiny", user=user)
    checks.check(f"ezkvm status tiny{who} exits 0 for a running VM", result.returncode == 0, output(result))
    text = result.stdout
    checks.check(f"ezkvm status{who}: systemd state", "state: active (running) since" in text, text)
    checks.check(f"ezkvm status{who}: qemu's PID", f"PIDs: qemu {pid}" in text, text)
    checks.check(f"ezkvm status{who}: uptime", "uptime: " in text, text)
    if user is None:
        # tiny says accel: tcg.
        checks.check("ezkvm status: QMP says running, and the accelerator", "qemu: running under TCG (QMP)" in text,
                     text)
        checks.check("ezkvm status: the sockets", "/run/ezkvm/tiny/qmp.sock" in text, text)
        data = parse_json(ezkvm(box, "status", "--json", "tiny").stdout) or {}
        checks.check("ezkvm status --json parses: running, qemu_pid, qmp_status, accelerator",
                     data.get("active_state") == "active" and str(data.get("qemu_pid")) == pid
                     and data.get("qmp_status") == "running" and data.get("accelerator") == "TCG"
                     and data.get("uptime_seconds") is not None, data)
    else:
        # /run/ezkvm/tiny is the VM user's (0700): QMP is for root and that user only. Said line by line.
        lines = [line.strip() for line in text.splitlines()]
        expected = [
            "tiny - ezkvm VM tiny: command test guest",
            "unit: ezkvm@tiny.service (loaded)",
            "qemu: running as far as systemd knows; its own state and accelerator are for root and the VM's "
            "user, whose QMP socket it is (root can (sudo ezkvm status tiny); a VM you use yourself is best your "
            "own user VM (~/.config/ezkvm/, ezkvm --user ...))",
            f"PIDs: qemu {pid}",
            "sockets: in /run/ezkvm/tiny, which only the VM's user and root can enter",
        ]
        for line in expected:
            checks.check(f"ezkvm status{who} says: {line}", line in lines, text)
        checks.check(f"ezkvm status{who} prints no error as state", "denied" not in text.lower(), text)


def check_logs(checks, box):
    journal = box.journal("ezkvm@tiny.service", wait_for="EZKVM-REPORT-END", timeout=240)
    checks.check("the guest booted (its report in the journal)", "EZKVM-REPORT-END" in journal, journal[-1500:])
    result = ezkvm(box, "logs", "tiny")
    checks.check("ezkvm logs tiny shows the unit's journal with the guest's console",
                 result.returncode == 0 and "VM running, QMP ready" in result.stdout
                 and "EZKVM-REPORT-END" in result.stdout, output(result)[-2000:])
    last = ezkvm(box, "logs", "-n", "3", "tiny").stdout.splitlines()
    checks.check("ezkvm logs -n 3 prints 3 lines", len(last) == 3, last)
    short = re.compile(r"^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [^ :]+(\[\d+\])?: ")
    checks.check("in journalctl's short format", last and all(short.match(line) for line in last), last)
    followed = box.run(["timeout", "3", "ezkvm", "logs", "-f", "-n", "2", "tiny"], check=False)
    checks.check("ezkvm logs -f prints the last lines and keeps following (until killed)",
                 followed.returncode == 124 and len(followed.stdout.splitlines()) == 2, output(followed))


def check_member_cannot_see(checks, box):
    """What a member of ezkvm (not of systemd-journal) cannot see is said, with a non-zero exit."""
    logs = ezkvm(box, "logs", "tiny", user=MEMBER)
    checks.check("a member's ezkvm logs says the journal is not theirs to read, exit 1",
                 logs.returncode == 1 and logs.stdout == "" and logs.stderr ==
                 "ezkvm: you cannot read the journal of ezkvm@tiny.service: system units' lines are for root and "
                 "members of group systemd-journal or adm (sudo usermod -aG systemd-journal $USER), or use sudo\n",
                 output(logs))
    view = ezkvm(box, "view", "--print", "tiny", user=MEMBER)
    checks.check("a member's ezkvm view --print says the display is not theirs to reach, exit 1",
                 view.returncode == 1 and view.stdout == "" and view.stderr ==
                 "ezkvm: you cannot reach the display of VM 'tiny': its sockets in /run/ezkvm/tiny belong to the VM's "
                 "user; root can (sudo ezkvm view tiny); a VM you use yourself is best your own user VM "
                 "(~/.config/ezkvm/, ezkvm --user ...)\n", output(view))


def check_outsider(checks, box):
    for verb in ("stop", "restart"):
        result = ezkvm(box, verb, "tiny", user=OUTSIDER)
        checks.check(f"a non-member's ezkvm {verb} is refused with what to do",
                     result.returncode == 1 and DENIED in result.stderr, output(result))
    checks.check("the VM still runs", prop(box, "ezkvm@tiny.service", "ActiveState") == "active")
    check_list_state(checks, box, "active", user=OUTSIDER)


def check_list_state(checks, box, state, user=None):
    listed = parse_json(ezkvm(box, "list", "--json", user=user).stdout) or []
    entry = next((e for e in listed if e.get("name") == "tiny"), {})
    checks.check(f"ezkvm list --json{' as ' + user if user else ''}: tiny is {state}",
                 entry.get("state") == state, listed)


def check_member(checks, box, times):
    result = ezkvm(box, "stop", "tiny", user=MEMBER)
    checks.check("a member of ezkvm may stop a VM (polkit rule)", result.returncode == 0, output(result))
    checks.check("ezkvm@tiny is inactive", prop(box, "ezkvm@tiny.service", "ActiveState") == "inactive")
    gone = wait_until(lambda: "tiny" not in machines(box), 10)
    checks.check("machinectl list no longer shows tiny", gone, machines(box))
    journal = box.journal("ezkvm@tiny.service", wait_for="guest powered off")
    checks.check("stop was graceful (ACPI)", "guest powered off" in journal, journal[-1500:])

    result = ezkvm(box, "start", "tiny", user=MEMBER)
    checks.check("a member of ezkvm may start a VM, and start says so in one line",
                 result.returncode == 0 and re.fullmatch(r"started ezkvm@tiny\.service \(\d+\.\d\d s\)\n", result.stdout),
                 output(result))
    check_status(checks, box, user=MEMBER)
    old_pid = prop(box, "ezkvm@tiny.service", "MainPID")
    result = ezkvm(box, "restart", "tiny", user=MEMBER)
    new_pid = prop(box, "ezkvm@tiny.service", "MainPID")
    checks.check("a member of ezkvm may restart a VM (a new qemu)",
                 result.returncode == 0 and new_pid not in ("0", old_pid), f"{old_pid} -> {new_pid}\n{output(result)}")
    checks.check("machinectl list shows tiny again", wait_until(lambda: "tiny" in machines(box), 10), machines(box))
    started = time.monotonic()
    result = ezkvm(box, "stop", "--force", "tiny", user=MEMBER)
    times["ezkvm stop --force"] = time.monotonic() - started
    checks.check("a member's ezkvm stop --force succeeds", result.returncode == 0, output(result))
    state = prop(box, "ezkvm@tiny.service", "ActiveState")
    checks.check("after stop --force the unit is inactive, not failed", state == "inactive", state)
    checks.check("stop --force did not wait for the guest (< 10 s)", times["ezkvm stop --force"] < 10,
                 times["ezkvm stop --force"])
    checks.check("after stop, status exits 3", ezkvm(box, "status", "tiny").returncode == 3)


def check_failed_start(checks, box):
    result = ezkvm(box, "start", "broken")
    checks.check("a start that fails exits 1", result.returncode == 1, output(result))
    checks.check("it says the unit failed, with its result", "ezkvm@broken.service failed (state failed" in
                 result.stderr, result.stderr)
    checks.check("it shows the unit's last journal lines",
                 "Last lines of ezkvm@broken.service's journal:" in result.stderr
                 and "/srv/missing/disk.qcow2" in result.stderr, result.stderr)
    missing = ezkvm(box, "status", "nosuch")
    checks.check("ezkvm status of a VM that does not exist says so", missing.returncode == 1
                 and "there is no VM 'nosuch'" in missing.stderr, output(missing))
    unknown = ezkvm(box, "start", "tinny")
    checks.check("starting a VM that does not exist says so, with a suggestion",
                 unknown.returncode == 1 and "tiny" in unknown.stderr, output(unknown))


def check_shared_mac(checks, box):
    """Two VM files with one MAC (as the original tool's examples have): a warning of check,
    and an error only when the other VM runs."""
    shared = VM_YAML + 'network:\n  - { type: user, mac: "52:54:00:12:34:56" }\n'
    box.write_file("/etc/ezkvm/twin-a.yaml", shared)
    box.write_file("/etc/ezkvm/twin-b.yaml", shared)
    box.systemctl("daemon-reload")
    try:
        checked = ezkvm(box, "check", "twin-a", "twin-b")
        checks.check("ezkvm check accepts two VMs with one MAC, warning on each",
                     checked.returncode == 0 and checked.stderr.count("52:54:00:12:34:56 is also used by VM") == 2,
                     output(checked))
        first = ezkvm(box, "start", "twin-a")
        if not checks.check("the first of them starts", first.returncode == 0, output(first)):
            return
        second = ezkvm(box, "start", "twin-b")
        checks.check("the second does not start while the first runs, naming it",
                     second.returncode == 1 and "MAC 52:54:00:12:34:56 is in use by VM twin-a" in second.stderr,
                     output(second))
        ezkvm(box, "stop", "--force", "twin-a")
        again = ezkvm(box, "start", "twin-b")
        checks.check("once the first stopped, the second starts", again.returncode == 0, output(again))
        ezkvm(box, "stop", "--force", "twin-b")
    finally:
        box.run(["rm", "-f", "/etc/ezkvm/twin-a.yaml", "/etc/ezkvm/twin-b.yaml"])
        box.systemctl("daemon-reload")


def check_without_machined(checks, box):
    """machined not installed: its D-Bus activation file hidden, the running one stopped."""
    box.run("mount --bind /dev/null /usr/share/dbus-1/system-services/org.freedesktop.machine1.service && "
            "systemctl stop systemd-machined.service && "
            "busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig")
    result = ezkvm(box, "start", "tiny")
    checks.check("without machined, ezkvm start still succeeds", result.returncode == 0, output(result))
    journal = box.journal("ezkvm@tiny.service", wait_for="machined is not installed")
    checks.check("register skipped it, saying why", "(systemd-machined is not installed: skipped)" in journal,
                 journal[-1500:])
    priority = box.run(["journalctl", "--no-pager", "-u", "ezkvm@tiny.service", "-p", "info", "-o", "cat"],
                       check=False).stdout
    checks.check("... at debug level", "machined is not installed" not in priority, priority[-1500:])
    result = ezkvm(box, "stop", "--force", "tiny")
    checks.check("and stops", result.returncode == 0, output(result))


def check_user_vm(checks, box, times):
    box.enable_user_manager(MEMBER)
    uid = box.uid(MEMBER)
    gid = int(box.run(["id", "-g", MEMBER]).stdout)
    box.write_file(f"/home/{MEMBER}/.config/ezkvm/mine.yaml", USER_VM_YAML, owner=(uid, gid))
    box.run(["chown", "-R", f"{uid}:{gid}", f"/home/{MEMBER}/.config"])
    box.user_systemctl(MEMBER, "daemon-reload")
    listed = parse_json(ezkvm(box, "list", "--json", user=MEMBER, scope_user=True).stdout) or []
    checks.check("ezkvm --user list --json: the user VM, inactive",
                 [(e.get("name"), e.get("state")) for e in listed] == [("mine", "inactive")], listed)
    started = time.monotonic()
    result = ezkvm(box, "start", "mine", user=MEMBER, scope_user=True)
    times["ezkvm --user start mine"] = time.monotonic() - started
    if not checks.check("ezkvm --user start mine succeeds", result.returncode == 0,
                        output(result) + box.journal("ezkvm@mine.service", user=MEMBER)[-2000:]):
        return
    checks.check("the user's ezkvm@mine is active",
                 prop(box, "ezkvm@mine.service", "ActiveState", user=MEMBER) == "active")
    status = ezkvm(box, "status", "mine", user=MEMBER, scope_user=True)
    checks.check("ezkvm --user status mine: running, QMP running",
                 status.returncode == 0 and "qemu: running under TCG (QMP)" in status.stdout
                 and f"/run/user/{uid}/ezkvm/mine/qmp.sock" in status.stdout, output(status))
    # journald ties a line to a user unit by the writer's cgroup; a helper that has exited by
    # the time journald reads its line (wait-ready writes its last and ends) can lose that tie
    # under a user manager, so the helper's lines are looked up by the user and the program.
    helper_lines = lambda: box.run(["journalctl", "--no-pager", "-o", "cat", f"_UID={uid}",  # noqa: E731
                                    "SYSLOG_IDENTIFIER=ezkvm-helper"], check=False).stdout
    wait_until(lambda: "VM running, QMP ready" in helper_lines(), 10)
    checks.check("the user VM's helpers log to the journal", "VM running, QMP ready" in helper_lines(),
                 helper_lines()[-1500:])
    logs = ezkvm(box, "logs", "mine", user=MEMBER, scope_user=True)
    checks.check("ezkvm --user logs mine (as root would see it: the user's own journal needs persistent "
                 "storage, so the message says why it is empty otherwise)",
                 logs.returncode == 0 and ("ezkvm-helper[" in logs.stdout or "persistent storage" in logs.stderr),
                 output(logs)[-1500:])
    result = ezkvm(box, "stop", "mine", user=MEMBER, scope_user=True)
    checks.check("ezkvm --user stop mine succeeds",
                 result.returncode == 0 and prop(box, "ezkvm@mine.service", "ActiveState", user=MEMBER) == "inactive",
                 output(result))


def unit_settings(text):
    """The settings of `systemctl cat` output (the unit and its drop-ins), as 'Key=value' lines."""
    return [line for line in text.splitlines() if line and not line.startswith(("#", "["))]


def check_transient(checks, box, times):
    uid = box.uid(MEMBER)
    gid = int(box.run(["id", "-g", MEMBER]).stdout)
    # The same file as the installed user VM "mine", under another name, installed nowhere.
    path = f"/home/{MEMBER}/vms/eph.yaml"
    box.write_file(path, USER_VM_YAML, owner=(uid, gid))
    box.run(["chown", f"{uid}:{gid}", f"/home/{MEMBER}/vms"])
    printed = ezkvm(box, "start", "--print-systemd-run", path, user=MEMBER, scope_user=True)
    checks.check("--print-systemd-run prints one line", printed.returncode == 0 and
                 len(printed.stdout.splitlines()) == 1, output(printed))
    argv = shlex.split(printed.stdout)
    checks.check("it is a systemd-run --user command for ezkvm-transient@eph.service",
                 argv[:3] == ["systemd-run", "--user", "--unit=ezkvm-transient@eph.service"], argv[:3])
    properties = {argv[i + 1] for i in range(len(argv) - 1) if argv[i] == "-p"}
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    installed = box.user_systemctl(MEMBER, "cat", "ezkvm@mine.service").stdout
    missing = []
    for line in unit_settings(installed):
        key = line.split("=", 1)[0]
        line = line.replace("%i", "eph").replace("mine", "eph")
        if key in ("SourcePath",) or line.startswith("Description=ezkvm virtual machine"):
            continue  # SourcePath= cannot be set on a transient unit; the drop-in's Description= wins
        if key == "ExecStart":
            if shlex.join(command) != shlex.join(shlex.split(line.split("=", 1)[1])):
                missing.append(line)
        elif line not in properties:
            missing.append(line)
    checks.check("every setting of the installed user unit (shipped + drop-in) is in the systemd-run line",
                 not missing and command, f"missing: {missing}\nline: {printed.stdout}")

    started = time.monotonic()
    result = ezkvm(box, "start", path, user=MEMBER, scope_user=True)
    times["ezkvm --user start FILE (transient)"] = time.monotonic() - started
    if not checks.check("ezkvm --user start FILE succeeds", result.returncode == 0,
                        output(result) + box.journal("ezkvm-transient@eph.service", user=MEMBER)[-2000:]):
        return
    checks.check("the transient unit is active",
                 prop(box, "ezkvm-transient@eph.service", "ActiveState", user=MEMBER) == "active")
    checks.check("it is transient", prop(box, "ezkvm-transient@eph.service", "Transient", user=MEMBER) == "yes")
    differ = [(name, prop(box, "ezkvm@mine.service", name, user=MEMBER),
               prop(box, "ezkvm-transient@eph.service", name, user=MEMBER)) for name in SAME_PROPERTIES]
    differ = [d for d in differ if d[1] != d[2]]
    checks.check("systemd shows the transient unit with the installed user unit's settings", not differ, differ)
    status = ezkvm(box, "status", "eph", user=MEMBER, scope_user=True)
    checks.check("ezkvm --user status eph finds the transient unit, QMP running",
                 "ezkvm-transient@eph.service" in status.stdout and "qemu: running under TCG (QMP)" in status.stdout,
                 output(status))
    by_path = ezkvm(box, "status", path, user=MEMBER, scope_user=True)
    checks.check("ezkvm --user status FILE: the file stands for its transient VM",
                 by_path.returncode == 0 and "ezkvm-transient@eph.service" in by_path.stdout, output(by_path))
    qmp = ezkvm(box, "qmp", path, "query-status", user=MEMBER, scope_user=True)
    checks.check("ezkvm --user qmp FILE query-status", qmp.returncode == 0 and '"running"' in qmp.stdout, output(qmp))
    logs = ezkvm(box, "logs", "-n", "5", path, user=MEMBER, scope_user=True)
    checks.check("ezkvm --user logs FILE", logs.returncode == 0, output(logs))
    listed = parse_json(ezkvm(box, "list", "--json", user=MEMBER, scope_user=True).stdout) or []
    entry = next((e for e in listed if e.get("name") == "eph"), {})
    checks.check("ezkvm --user list --json lists the transient VM, marked transient, with its file",
                 entry.get("transient") is True and entry.get("state") == "active" and entry.get("file") == path,
                 listed)
    table = ezkvm(box, "list", user=MEMBER, scope_user=True).stdout
    checks.check("ezkvm --user list marks it", f"(transient, from {path})" in table, table)
    result = ezkvm(box, "stop", path, user=MEMBER, scope_user=True)
    checks.check("ezkvm --user stop FILE stops the transient unit, saying the guest powered off",
                 result.returncode == 0 and "eph: stopped after" in result.stdout, output(result))
    journal = box.journal("ezkvm-transient@eph.service", user=MEMBER)
    checks.check("the transient unit's ExecStop= found the VM file (ACPI with the VM's own stop timeout)",
                 "stopping: pressing the ACPI power button" in journal and "for up to 30 s" in journal
                 and "default stop timeout" not in journal, journal[-1500:])
    gone = wait_until(lambda: prop(box, "ezkvm-transient@eph.service", "LoadState", user=MEMBER) == "not-found", 10)
    checks.check("the transient unit is gone after stop", gone)

    # The printed line, run by a shell, starts the same VM.
    result = box.user_run(MEMBER, ["sh", "-c", printed.stdout], check=False, timeout=200)
    checks.check("the printed systemd-run line starts the VM", result.returncode == 0 and
                 prop(box, "ezkvm-transient@eph.service", "ActiveState", user=MEMBER) == "active", output(result))
    status = ezkvm(box, "status", "eph", user=MEMBER, scope_user=True)
    checks.check("... and QMP says running", "qemu: running under TCG (QMP)" in status.stdout, output(status))
    ezkvm(box, "stop", "--force", "eph", user=MEMBER, scope_user=True)
    checks.check("stopped again", prop(box, "ezkvm-transient@eph.service", "ActiveState", user=MEMBER)
                 in ("inactive", ""))


def check_stop_progress(checks, box):
    """ezkvm stop on a terminal for a guest that ignores the power button: the wait, how to cut
    it short, the outcome, exit 3; the unit ends inactive (the helper's status is only read)."""
    box.write_file("/etc/ezkvm/stubborn.yaml", STUBBORN_YAML)
    box.systemctl("daemon-reload")
    result = ezkvm(box, "start", "stubborn")
    if not checks.check("ezkvm start stubborn", result.returncode == 0, output(result)):
        return
    box.journal("ezkvm@stubborn.service", wait_for="EZKVM-IGNORING-ACPI", timeout=240)
    # `script` gives ezkvm a terminal; -e passes on its exit status.
    result = box.run(["script", "-qec", "ezkvm stop stubborn", "/dev/null"], check=False, timeout=120)
    text = result.stdout.replace("\r", "\n")
    for line in ("ezkvm: stopping stubborn: pressing its ACPI power button; the guest has 5 s to power off "
                 "(Ctrl-C or `ezkvm stop --force stubborn` to stop it now)",
                 "waiting for the guest to power off: 2 s, 3 s left before qemu is made to quit",
                 "stubborn: the guest did not power off within 5 s: qemu was made to quit"):
        checks.check(f"ezkvm stop on a terminal says: {line}", line in text, text)
    checks.check("a forced stop exits 3", result.returncode == 3, f"exit {result.returncode}")
    state = prop(box, "ezkvm@stubborn.service", "ActiveState")
    checks.check("the unit is inactive, not failed, after the forced stop", state == "inactive", state)
    piped = ezkvm(box, "stop", "stubborn")
    checks.check("ezkvm stop of a stopped VM says so, exit 0",
                 piped.returncode == 0 and piped.stdout == "stubborn: not running (inactive)\n", output(piped))


def check_system_refuses_file(checks, box):
    result = ezkvm(box, "start", "/etc/ezkvm/tiny.yaml")
    checks.check("ezkvm start FILE without --user says how to do it",
                 result.returncode == 2 and "--user start" in result.stderr, output(result))


def run_steps(checks, box, times):
    if not run_step(checks, "setup", lambda: check_setup(checks, box)):
        return
    run_step(checks, "list", lambda: check_list(checks, box))
    run_step(checks, "list of unusual units", lambda: check_list_unusual_units(checks, box))
    run_step(checks, "list as a non-member", lambda: check_list(checks, box, user=OUTSIDER))
    run_step(checks, "list without a bus", lambda: check_list_without_bus(checks, box))
    run_step(checks, "start FILE without --user", lambda: check_system_refuses_file(checks, box))
    if run_step(checks, "start", lambda: check_start_as_root(checks, box, times)):
        run_step(checks, "status", lambda: check_status(checks, box))
        run_step(checks, "logs", lambda: check_logs(checks, box))
        run_step(checks, "non-member", lambda: check_outsider(checks, box))
        run_step(checks, "what a member cannot see", lambda: check_member_cannot_see(checks, box))
        run_step(checks, "member", lambda: check_member(checks, box, times))
    run_step(checks, "failed start", lambda: check_failed_start(checks, box))
    run_step(checks, "one MAC in two files", lambda: check_shared_mac(checks, box))
    run_step(checks, "stop progress", lambda: check_stop_progress(checks, box))
    run_step(checks, "without machined", lambda: check_without_machined(checks, box))
    run_step(checks, "user VM", lambda: check_user_vm(checks, box, times))
    run_step(checks, "transient", lambda: check_transient(checks, box, times))


def main():
    return run_installed(__doc__, run_steps)

if __name__ == "__main__":
    sys.exit(main())
