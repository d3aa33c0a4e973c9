#!/usr/bin/env python3
"""Golden tests of `ezkvm import proxmox`.

For every tests/import/<name>.conf: the VM file printed must equal <name>.yaml and
the messages (stderr) <name>.messages; then `ezkvm check` must accept the file with
no errors and warnings only about what depends on the host (a disk, bridge, PCI or
USB device this machine lacks; the extra_args of a config with `args:`). For every
tests/import/errors/<name>.conf: stderr and the exit status must equal
<name>.expected. A <name>.options file holds further import arguments, given before the config.

The environment is fixed: EZKVM_ROOT is a copy of tests/import/root (storage.cfg,
a host's /sys/bus/pci/devices) with /usr linked in (the firmware descriptors),
templates from the checkout, nothing known about the host's qemu.

usage: run.py EZKVM [--update] [CASE...]
"""
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

# What `ezkvm check` may say about an imported file: facts of this host, not of the file.
HOST_DEPENDENT = [
    r"does not exist on this host \(yet\)",
    r"needs an IOMMU",
    r"is not plugged in|no USB device|the host has no USB",
    r"bridge .* does not exist|no bridge|not a bridge",
]


def make_root(tmp):
    root = Path(tmp) / "root"
    shutil.copytree(HERE / "root", root, symlinks=True)
    (root / "usr").symlink_to("/usr")
    return root


def environment(root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EZKVM_") and not k.startswith("XDG_")}
    env.update(EZKVM_ROOT=str(root), EZKVM_TEMPLATES_DIR=str(REPO / "etc" / "templates"),
               EZKVM_RUNTIME_DIR="/run/ezkvm", EZKVM_STATE_DIR="/var/lib/ezkvm", EZKVM_HOST_CAPABILITIES="none")
    return env


def options(conf):
    extra = conf.with_suffix(".options")
    return shlex.split(extra.read_text()) if extra.exists() else []


def run_import(ezkvm, conf, env):
    return subprocess.run([ezkvm, "import", "proxmox", *options(conf), conf.name], capture_output=True, text=True,
                          env=env, cwd=conf.parent, timeout=60)


def compare(expected_file, actual, update, what):
    """None when equal (or updated), else a diff."""
    if update:
        if not expected_file.exists() or expected_file.read_text() != actual:
            expected_file.write_text(actual)
            print(f"updated {expected_file.relative_to(REPO)}")
        return None
    if not expected_file.exists():
        return f"{expected_file.relative_to(REPO)} is missing (run with --update)"
    expected = expected_file.read_text()
    if expected == actual:
        return None
    return "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        fromfile=str(expected_file.relative_to(REPO)), tofile=what))


def check_imported(ezkvm, conf, yaml_text, env, tmp):
    """Problems of `ezkvm check` on the imported file ([] when fine)."""
    name = re.search(r"^  name: (\S+)$", yaml_text, re.M)
    if not name:
        return ["no general.name in the imported file"]
    vm_file = Path(tmp) / f"{name.group(1).strip(chr(34))}.yaml"
    vm_file.write_text(yaml_text)
    result = subprocess.run([ezkvm, "check", str(vm_file)], capture_output=True, text=True, env=env, timeout=60)
    problems = []
    if result.returncode != 0:
        problems.append(f"ezkvm check exited {result.returncode}:\n{result.stderr}")
    allowed = HOST_DEPENDENT + ([r"extra_args"] if "\nargs:" in "\n" + conf.read_text() else [])
    for line in result.stderr.splitlines():
        if ": warning: " in line and not any(re.search(p, line) for p in allowed):
            problems.append(f"ezkvm check: a warning that is not about the host: {line}")
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ezkvm = os.path.abspath(argv[1])
    update = "--update" in argv[2:]
    wanted = [a for a in argv[2:] if a != "--update"]
    cases = sorted(HERE.glob("*.conf")) + sorted((HERE / "errors").glob("*.conf"))
    if wanted:
        cases = [c for c in cases if c.stem in wanted]
    passed, failed = 0, []
    with tempfile.TemporaryDirectory(prefix="ezkvm-import-") as tmp:
        env = environment(make_root(tmp))
        for conf in cases:
            result = run_import(ezkvm, conf, env)
            problems = []
            if conf.parent.name == "errors":
                actual = result.stderr + f"exit: {result.returncode}\n"
                diff = compare(conf.with_suffix(".expected"), actual, update, "ezkvm import proxmox")
                problems += [diff] if diff else []
            else:
                if result.returncode != 0:
                    problems.append(f"exit {result.returncode}:\n{result.stderr}")
                for suffix, text, what in ((".yaml", result.stdout, "stdout"), (".messages", result.stderr, "stderr")):
                    diff = compare(conf.with_suffix(suffix), text, update, what)
                    problems += [diff] if diff else []
                if result.returncode == 0:
                    problems += check_imported(ezkvm, conf, result.stdout, env, tmp)
            name = conf.relative_to(HERE).with_suffix("")
            if problems:
                failed.append(str(name))
                print(f"FAIL {name}\n" + "\n".join(problems))
            else:
                passed += 1
                print(f"ok   {name}")
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
