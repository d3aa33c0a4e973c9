#!/usr/bin/env python3
"""The README's "A day in the life", run as written in a real systemd 252 (container.py),
with the build under test installed as test_units.py does.

Every `$ command` of the section's console blocks runs in the container: `sudo ...` as root,
the rest as alice, a member of groups ezkvm and systemd-journal with a user manager (her own
VMs: the second block). A command's heredoc is its input. It must exit 0, and each line the
README shows under it must match one line of its output, in order, where `...` stands for
anything (a line of its own: any number of lines). Comments after two spaces and '#' are
not part of the command.

What the README does not show is set up first: the bridge br0, and /srv/iso/debian-12.iso,
which is the test guest on a bootable CD (tests/guest/build-iso) instead of a Debian
installer; and a stand-in remote-viewer that records what `ezkvm view` hands it.

usage: test_day_in_the_life.py BUILD_DIR   (a build configured with --prefix=/usr or /usr/local)
"""

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "boot"))
from installed_test import run_installed  # noqa: E402
from test_units import REPORT_TIMEOUT, run_step, wait_until  # noqa: E402

MEMBER = "alice"
ISO_BUILD = REPO / "tests" / "guest" / "build-iso"
VIEWER_LOG = "/run/remote-viewer.args"
# Records its arguments, as remote-viewer would get them, and ends at once.
FAKE_VIEWER = f"""#!/bin/sh
printf '%s\\n' "$@" > {VIEWER_LOG}
"""
CTRL_RIGHT_BRACKET = "\x1d"


class Step:
    def __init__(self, command, stdin, expected):
        self.command, self.stdin, self.expected = command, stdin, expected

    @property
    def as_root(self):
        return self.command.startswith("sudo ")

    @property
    def shell(self):
        return self.command.removeprefix("sudo ")


def transcript_blocks(readme):
    """The ```console blocks of the README's "A day in the life" section."""
    section = readme.split("## A day in the life", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```console\n(.*?)```", section, re.S)


def steps_of(block):
    """Step per `$ ` line: the command (comment dropped), its heredoc, the lines shown below it."""
    steps, lines = [], block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith("$ "):
            continue
        command = re.sub(r"\s{2,}#.*$", "", line[2:]).rstrip()
        stdin = None
        heredoc = re.search(r"<<'(\w+)'", command)
        if heredoc:
            body = []
            while lines[i] != heredoc.group(1):
                body.append(lines[i])
                i += 1
            i += 1
            stdin = "\n".join(body) + "\n"
            command = command.replace(heredoc.group(0), "").rstrip()
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            if lines[i].strip() and lines[i].strip() != "...":
                expected.append(lines[i])
            i += 1
        steps.append(Step(command, stdin, expected))
    return steps


def pattern_of(expected):
    """A regex for a shown line: '...' is anything, spaces are any whitespace, the rest as shown."""
    parts = [r"\s+".join(re.escape(w) for w in piece.split()) for piece in expected.strip().split("...")]
    return re.compile(r"\s*" + ".*".join(parts))


def unmatched(expected_lines, output):
    """The first shown line with no match among the output's lines after the previous one's."""
    lines = output.splitlines()
    at = 0
    for expected in expected_lines:
        pattern = pattern_of(expected)
        while at < len(lines) and not pattern.match(lines[at]):
            at += 1
        if at == len(lines):
            return expected
        at += 1
    return None


def run(box, step):
    stdin = step.stdin
    if step.shell.startswith("ezkvm console"):
        stdin = CTRL_RIGHT_BRACKET  # detaches at once, as a person would after a look
    if step.as_root:
        return box.run(["bash", "-c", step.shell], check=False, timeout=300, input=stdin)
    return box.user_run(MEMBER, ["bash", "-c", step.shell], check=False, timeout=300, input=stdin)


def check_step(checks, box, step):
    result = run(box, step)
    output = result.stdout + result.stderr
    who = "root" if step.as_root else MEMBER
    if not checks.check(f"`{step.command}` as {who} exits 0", result.returncode == 0,
                        f"exit {result.returncode}\n{output[-3000:]}"):
        return False
    missing = unmatched(step.expected, output)
    checks.check(f"`{step.command}` says what the README shows", missing is None,
                 f"no line matching: {missing!r}\noutput:\n{output[-3000:]}")
    return True


def check_setup(checks, box, iso):
    box.run(["systemd-sysusers"])
    box.run(["systemd-tmpfiles", "--create"])
    box.enable_user_manager(MEMBER)
    box.run(["usermod", "-aG", "ezkvm,systemd-journal", MEMBER])
    # Group membership is read when the manager starts; a fresh one sees the new groups.
    box.run(["systemctl", "restart", f"user@{box.uid(MEMBER)}.service"])
    box.run(["mkdir", "-p", "/etc/ezkvm"])  # what the package installs (meson install_emptydir)
    box.run("ip link add br0 type bridge && ip link set br0 up")
    box.copy_in(iso, "/srv/iso/debian-12.iso", mode=0o644)
    box.write_file("/usr/local/bin/remote-viewer", FAKE_VIEWER, mode=0o755)
    checks.check("setup: alice is in groups ezkvm and systemd-journal",
                 {"ezkvm", "systemd-journal"} <= set(box.run(["id", "-nG", MEMBER]).stdout.split()))


def check_guest_booted(checks, box):
    journal = box.journal("ezkvm@deb.service", wait_for="EZKVM-REPORT-END", timeout=REPORT_TIMEOUT)
    checks.check("the deb VM booted the CD (its report is in the journal)", "EZKVM-REPORT-END" in journal,
                 journal[-2000:])


def check_viewer(checks, box):
    args = box.run(["cat", VIEWER_LOG], check=False).stdout
    checks.check("ezkvm view handed remote-viewer the VM's SPICE socket",
                 "spice+unix:///run/ezkvm/deb/spice.sock" in args, args)


def steps(checks, box, times):
    iso = subprocess.run([str(ISO_BUILD)], stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    if not run_step(checks, "setup", lambda: check_setup(checks, box, iso)):
        return
    blocks = transcript_blocks((REPO / "README.md").read_text())
    checks.check("the README has the two transcripts (system VM, user VM)", len(blocks) == 2, len(blocks))
    for block in blocks:
        for step in steps_of(block):
            if step.shell.startswith("ezkvm stop deb"):
                run_step(checks, "guest booted", lambda: check_guest_booted(checks, box))
            if not run_step(checks, step.command, lambda: check_step(checks, box, step)):
                break
            if step.shell.startswith("ezkvm view"):
                check_viewer(checks, box)
            if step.shell.startswith("ezkvm --user start"):
                booted = wait_until(lambda: "EZKVM-REPORT-END" in box.run(
                    ["journalctl", "--no-pager", "-o", "cat", "_SYSTEMD_USER_UNIT=ezkvm-transient@try.service"],
                    check=False).stdout, REPORT_TIMEOUT)
                checks.check("the user VM booted the CD", booted)


def main():
    return run_installed(__doc__, steps)


if __name__ == "__main__":
    sys.exit(main())
