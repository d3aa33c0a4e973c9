#!/usr/bin/env python3
"""udev/92-ezkvm.rules evaluated by the real udev (udevadm test, systemd 252) against fake
devices: in a private mount namespace, tmpfs over /sys, /dev, /run/udev and the rules
directories, a sysfs entry and a device node for each device, then `udevadm test` applies
the rules and the nodes' group and mode are read back.

Devices: a VFIO group node, the VFIO container (/dev/vfio/vfio, left alone), LVM volumes
named vm-* and not, /dev/kvmfr0. LVM's own rules (which import DM_VG_NAME/DM_LV_NAME with
dmsetup) are stood in for by a rule setting those properties.

usage: test_rules.py RULES_FILE   (needs root and udevadm; exits 77 to skip without them)
"""
import grp
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

GROUP_GID = 4711  # group ezkvm inside the namespace

# name: (subsystem, sysfs dir under /sys/devices/virtual, dev node, major:minor, char?, properties)
DEVICES = {
    "vfio-group": ("vfio", "vfio/12", "vfio/12", (243, 0), True, {}),
    "vfio-container": ("misc", "misc/vfio", "vfio/vfio", (10, 196), True, {}),
    "lvm-vm": ("block", "block/dm-0", "dm-0", (254, 0), False,
               {"DM_VG_NAME": "vg0", "DM_LV_NAME": "vm-100-disk-0"}),
    "lvm-other": ("block", "block/dm-1", "dm-1", (254, 1), False, {"DM_VG_NAME": "vg0", "DM_LV_NAME": "data"}),
    "dm-not-lvm": ("block", "block/dm-2", "dm-2", (254, 2), False, {"DM_NAME": "vm-crypt"}),
    "kvmfr": ("kvmfr", "kvmfr/kvmfr0", "kvmfr0", (240, 0), True, {}),
    "tty": ("tty", "tty/ttyS9", "ttyS9", (4, 73), True, {}),
}
INITIAL_MODE = {"vfio-container": 0o666}
EXPECTED = {  # name: (group is ezkvm, mode)
    "vfio-group": (True, 0o660),
    "vfio-container": (False, 0o666),
    "lvm-vm": (True, 0o660),
    "lvm-other": (False, 0o600),
    "dm-not-lvm": (False, 0o600),
    "kvmfr": (True, 0o660),
    "tty": (False, 0o600),
}


def run(*args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


def inside(rules):
    """In the private mount namespace: build the fake host, apply the rules, report."""
    for path in ("/sys", "/dev", "/run/udev", "/etc/udev/rules.d", "/usr/lib/udev/rules.d"):
        os.makedirs(path, exist_ok=True)
        run("mount", "-t", "tmpfs", "none", path)
    group_file = "/run/udev/group"
    with open("/etc/group") as src, open(group_file, "w") as dst:
        dst.write(src.read() + f"ezkvm:x:{GROUP_GID}:\n")
    run("mount", "--bind", group_file, "/etc/group")
    shutil.copy(rules, "/etc/udev/rules.d/92-ezkvm.rules")
    stand_in = [f'SUBSYSTEM=="block", KERNEL=="{node}", ' +
                ", ".join(f'ENV{{{k}}}="{v}"' for k, v in props.items())
                for _, _, node, _, _, props in DEVICES.values() if props]
    Path("/etc/udev/rules.d/11-test-dm.rules").write_text("\n".join(stand_in) + "\n")

    results = {}
    for name, (subsystem, sysdir, node, (major, minor), char, _) in DEVICES.items():
        dev_dir = Path("/sys/devices/virtual") / sysdir
        dev_dir.mkdir(parents=True)
        os.makedirs(f"/sys/class/{subsystem}", exist_ok=True)
        (dev_dir / "uevent").write_text(f"MAJOR={major}\nMINOR={minor}\nDEVNAME={node}\n" +
                                        ("" if char else "DEVTYPE=disk\n"))
        (dev_dir / "dev").write_text(f"{major}:{minor}\n")
        (dev_dir / "subsystem").symlink_to(f"/sys/class/{subsystem}")
        node_path = Path("/dev") / node
        node_path.parent.mkdir(parents=True, exist_ok=True)
        os.mknod(node_path, (stat.S_IFCHR if char else stat.S_IFBLK) | 0o600, os.makedev(major, minor))
        os.chmod(node_path, INITIAL_MODE.get(name, 0o600))
        env = dict(os.environ, SYSTEMD_DEVICE_VERIFY_SYSFS="0", SYSTEMD_LOG_LEVEL="debug")
        test = subprocess.run(["udevadm", "test", "--action=add", str(dev_dir)], env=env,
                              capture_output=True, text=True)
        st = os.stat(node_path)
        results[name] = {"rc": test.returncode, "gid": st.st_gid, "mode": stat.S_IMODE(st.st_mode),
                         "log": [line for line in (test.stdout + test.stderr).splitlines()
                                 if "92-ezkvm.rules" in line]}
    print(json.dumps(results))
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--inside":
        return inside(sys.argv[2])
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    if os.geteuid() != 0 or not shutil.which("udevadm") or not shutil.which("unshare"):
        print("SKIP: needs root, udevadm (package udev) and unshare")
        return 77
    rules = str(Path(sys.argv[1]).resolve())
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, __file__,
                           "--inside", rules], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        print(f"FAIL: the namespace run failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
        return 1
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    passed = failed = 0
    for name, (in_group, mode) in EXPECTED.items():
        got = results[name]
        ok = got["rc"] == 0 and (got["gid"] == GROUP_GID) == in_group and got["mode"] == mode
        what = f"{name}: group {'ezkvm' if in_group else 'unchanged'}, mode {mode:o}"
        print(f"{'ok  ' if ok else 'FAIL'} {what}" +
              ("" if ok else f" (udevadm exit {got['rc']}, gid {got['gid']}, mode {got['mode']:o}, "
                             f"rule lines: {got['log']})"))
        passed, failed = passed + ok, failed + (not ok)
    # Every line parsed: udev logs file:line for what it cannot use, and goes on without it.
    complaints = sorted({line for got in results.values() for line in got["log"]
                         if any(word in line.lower() for word in ("invalid", "ignoring", "unknown", "failed"))})
    ok = not complaints
    print(f"{'ok  ' if ok else 'FAIL'} udev parses every line of the rules file" +
          ("" if ok else ":\n  " + "\n  ".join(complaints)))
    passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
