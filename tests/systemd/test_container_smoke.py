#!/usr/bin/env python3
"""Proves the real-systemd harness (container.py): boots the cached root, checks systemd is
PID 1, runs a generator through daemon-reload, a transient unit with User=, qemu as a
service answering QMP, a lingering user's manager, then powers off and checks the host."""

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "boot"))
from container import host_state  # noqa: E402
from harness import Checks  # noqa: E402
from shared_steps import boot, install_qmp_query, qmp_query  # noqa: E402

GENERATOR = """#!/bin/sh
# Writes a oneshot unit and enables it the way generators must: a .wants link.
out=$1
cat >"$out/smoke-generated.service" <<EOF
[Unit]
Description=Unit written by the smoke test's generator

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/echo smoke generator unit ran
EOF
mkdir -p "$out/multi-user.target.wants"
ln -s ../smoke-generated.service "$out/multi-user.target.wants/smoke-generated.service"
"""

QMP_SOCKET = "/run/smoke-qemu/qmp.sock"
SMOKE_USER = "ezkvm-smoke"


def wait_until(predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def check_systemd_is_pid1(checks, box):
    checks.check("PID 1 is systemd", box.run(["cat", "/proc/1/comm"]).stdout.strip() == "systemd")
    version = box.run(["systemctl", "--version"]).stdout.split("\n", 1)[0]
    checks.check("systemd 252", version.startswith("systemd 252"), version)
    virt = box.run(["systemd-detect-virt", "--container"], check=False).stdout.strip()
    checks.check("runs in systemd-nspawn", virt == "systemd-nspawn", virt)
    checks.check("no failed units after boot", not box.failed_units, box.failed_units)


def check_generator(checks, box):
    box.write_file("/etc/systemd/system-generators/smoke-generator", GENERATOR, mode=0o755)
    reload_started = time.monotonic()
    box.systemctl("daemon-reload")
    print(f"daemon-reload with the generator: {time.monotonic() - reload_started:.2f} s")
    fragment = box.systemctl("show", "-P", "FragmentPath", "smoke-generated.service").stdout.strip()
    checks.check("generator wrote the unit", fragment == "/run/systemd/generator/smoke-generated.service",
                 fragment)
    wanted_by = box.systemctl("show", "-P", "WantedBy", "smoke-generated.service").stdout.split()
    checks.check("generator's .wants link is honoured", "multi-user.target" in wanted_by, wanted_by)
    box.systemctl("start", "smoke-generated.service")
    state = box.systemctl("is-active", "smoke-generated.service", check=False).stdout.strip()
    checks.check("generated unit started", state == "active", state)
    journal = box.journal("smoke-generated.service", wait_for="smoke generator unit ran")
    checks.check("journalctl -u shows the unit's output", "smoke generator unit ran" in journal,
                 journal)


def check_transient_user(checks, box):
    result = box.run(["systemd-run", "--wait", "--pipe", "--quiet", "-p", "User=nobody",
                      "id", "-u"], check=False)
    checks.check("systemd-run -p User=nobody runs as uid 65534", result.stdout.strip() == "65534",
                 f"{result.returncode} {result.stdout!r} {result.stderr!r}")


def check_qemu_service(checks, box):
    install_qmp_query(box)
    box.run(["systemd-run", "--unit=smoke-qemu", "-p", "RuntimeDirectory=smoke-qemu",
             "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-nodefaults",
             "-display", "none", "-S", "-qmp", f"unix:{QMP_SOCKET},server=on,wait=off"])
    socket_ready = wait_until(lambda: box.host_path(QMP_SOCKET).exists(), 30)
    if not checks.check("qemu service created its QMP socket", socket_ready,
                        box.journal("smoke-qemu.service")):
        return
    reply, error = qmp_query(box, QMP_SOCKET)
    checks.check("QMP greets with its version", reply is not None and "QMP" in reply["greeting"],
                 reply or error)
    checks.check("QMP answers query-status: prelaunch",
                 reply is not None and reply["status"].get("return", {}).get("status") == "prelaunch",
                 reply or error)
    box.systemctl("stop", "smoke-qemu.service")
    state = box.systemctl("is-active", "smoke-qemu.service", check=False).stdout.strip()
    checks.check("qemu service stops", state in ("inactive", "failed"), state)
    qemu_left = box.run(["pgrep", "-x", "qemu-system-x86"], check=False).stdout.strip()
    checks.check("no qemu process left", not qemu_left, qemu_left)


def check_user_manager(checks, box):
    uid = box.enable_user_manager(SMOKE_USER)
    state = box.user_systemctl(SMOKE_USER, "is-system-running", check=False).stdout.strip()
    checks.check("lingering user's manager runs", state in ("running", "degraded"), state)
    result = box.user_run(SMOKE_USER, ["systemd-run", "--user", "--wait", "--pipe", "--quiet",
                                       "id", "-u"], check=False)
    checks.check("systemd-run --user runs as the user", result.stdout.strip() == str(uid),
                 f"{result.returncode} {result.stdout!r} {result.stderr!r}")
    box.user_run(SMOKE_USER, ["systemd-run", "--user", "--unit=smoke-user-echo", "--wait",
                              "--quiet", "echo", "user unit ran"])
    journal = box.journal("smoke-user-echo", user=SMOKE_USER, wait_for="user unit ran")
    checks.check("user unit output in its journal", "user unit ran" in journal, journal)


def check_copy_in(checks, box):
    """copy_in must write into the container even through an absolute symlink
    (/var/run -> /run), never into the host's /run."""
    with tempfile.TemporaryDirectory(prefix="ezkvm-copy-") as tmp:
        source = Path(tmp) / "tree"
        (source / "sub").mkdir(parents=True)
        (source / "sub" / "script").write_text("#!/bin/sh\necho copied\n")
        (source / "sub" / "script").chmod(0o755)
        box.copy_in(source, "/var/run/ezkvm-smoke")
    output = box.run(["/run/ezkvm-smoke/sub/script"], check=False).stdout.strip()
    checks.check("copy_in copies a tree, keeping modes", output == "copied", output)
    checks.check("copy_in stays inside the container", not Path("/run/ezkvm-smoke").exists())


def main():
    if os.geteuid() != 0:
        print("SKIP: booting a container needs root")
        return 77
    checks = Checks()
    host_before = host_state()
    started = time.monotonic()
    box = boot(checks)
    if box is None:
        return checks.finish()
    print(f"boot to running: {box.boot_seconds:.2f} s")
    try:
        for step in (check_systemd_is_pid1, check_generator, check_transient_user,
                     check_qemu_service, check_user_manager, check_copy_in):
            try:
                step(checks, box)
            except Exception as error:  # noqa: BLE001 - report the step, go on with the next
                checks.check(step.__name__, False, f"{type(error).__name__}: {error}")
    finally:
        poweroff_started = time.monotonic()
        box.poweroff()
    print(f"poweroff: {time.monotonic() - poweroff_started:.2f} s")
    checks.check("clean poweroff, nspawn exit 0", box.clean_shutdown and box.exit_code == 0,
                 f"exit {box.exit_code}\n{box.console_tail()}")
    checks.check("nothing left on the host", not box.leftovers, box.leftovers)
    checks.check("host state as before", host_state() == host_before,
                 host_state() ^ host_before)
    checks.check("the cached root stays pristine",
                 not (box.root / "etc/systemd/system-generators/smoke-generator").exists())
    print(f"whole smoke test: {time.monotonic() - started:.2f} s")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
