#!/usr/bin/env python3
"""The Debian package, built from this source tree and installed with apt into a fresh
copy of the real-systemd container's root (its dependencies come from that root's Debian
packages, nothing from the build).

Builds the .deb with `dpkg-buildpackage -us -uc -b` (nocheck: CI runs the suites itself) from a copy of the source tree (cached
in $EZKVM_TEST_CACHE/deb/<hash of every source file>, so an unchanged tree is not rebuilt
and a changed one never reuses an old package), runs lintian on it (no errors), then in the
container: `apt-get install ./ezkvm_*.deb`, the ezkvm user and directories, `systemd-analyze
verify` of every unit the package installs, a VM file in /etc/ezkvm, `systemctl
daemon-reload` and `systemctl start ezkvm@demo` (the test guest with OVMF and a TPM boots:
its report in the journal), `man ezkvm.yaml` and the other man pages render, and
`apt-get remove ezkvm` with the VM running leaves no process, no unit, no network link and
no file outside /etc/ezkvm and /var/lib/ezkvm that was not there before the install.

usage: test_deb.py SOURCE_DIR   ($EZKVM_DEB_JOBS: parallel compile jobs, default 2)
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "boot"))
from harness import Checks, guest_paths, parse_report  # noqa: E402
from shared_steps import boot  # noqa: E402
from test_units import DEMO_YAML, GUEST_DIR, REPORT_TIMEOUT  # noqa: E402

DEB_DIR = "/var/cache/ezkvm-deb"  # where the package is bound in the container
CACHE = Path(os.environ.get("EZKVM_TEST_CACHE", "/var/cache/ezkvm-test")) / "deb"
# Not part of the source: build trees, VCS data, what a package build leaves in debian/.
SKIP_TOP = ("build", ".git", "obj-")
SKIP_ANYWHERE = ("__pycache__",)
SKIP_DEBIAN = ("ezkvm", ".debhelper", "files", "debhelper-build-stamp", "ezkvm.substvars",
               "ezkvm.debhelper.log", "tmp")

# Paths that change on any Debian system when a package is installed, removed or a man
# page is read: package manager and journal bookkeeping, man-db's index cache, systemd's
# own runtime state. Anything else new after `apt-get remove` is a stray file.
BOOKKEEPING = ("/var/lib/dpkg/", "/var/lib/apt/", "/var/cache/apt/", "/var/cache/debconf/",
               "/var/log/", "/var/cache/man/", "/var/lib/systemd/", "/run/systemd/",
               "/run/user/", "/run/lock/", "/tmp/", "/var/tmp/", "/run/mount/",
               "/run/udev/", "/run/dbus/", "/run/log/", "/run/utmp")
# The VMs' data stays after removal: a dynamic user's state directory is in
# /var/lib/private/ezkvm, which /var/lib/ezkvm/<vm> links to.
ALLOWED = ("/etc/ezkvm", "/var/lib/ezkvm", "/var/lib/private/ezkvm")
# System users made by sysusers.d stay after removal (Debian leaves users of removed
# packages); systemd-sysusers keeps a backup of the files it changes.
USER_FILES = ("/etc/passwd-", "/etc/group-", "/etc/shadow-", "/etc/gshadow-")
PRUNE = ("/proc", "/sys", "/dev", DEB_DIR, GUEST_DIR)


def source_files(src):
    """The files of the source tree, relative, sorted."""
    files = []
    for dirpath, dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_ANYWHERE
                             and not (rel == Path(".") and d.startswith(SKIP_TOP))
                             and not (rel == Path("debian") and d in SKIP_DEBIAN))
        for name in sorted(filenames):
            if rel == Path("debian") and name in SKIP_DEBIAN:
                continue
            if name.endswith(".pyc"):
                continue
            files.append(rel / name)
    return files


def tree_hash(src, files):
    digest = hashlib.sha256()
    for rel in files:
        path = src / rel
        digest.update(str(rel).encode() + b"\0")
        if path.is_symlink():
            digest.update(b"link:" + os.readlink(path).encode())
        else:
            digest.update(f"{path.stat().st_mode & 0o111}".encode() + path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def build_deb(checks, src, times):
    """The directory holding ezkvm_*.deb for this exact source tree, built when missing."""
    files = source_files(src)
    key = tree_hash(src, files)
    out = CACHE / key
    if list(out.glob("ezkvm_*.deb")):
        print(f"package for source tree {key} cached in {out}")
        times["deb build"] = 0.0
        return out
    for old in CACHE.glob("*"):  # only the newest tree is worth keeping
        shutil.rmtree(old, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="ezkvm-deb-") as tmp:
        tree = Path(tmp) / "ezkvm"
        for rel in files:
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, tree / rel, follow_symlinks=False)
        jobs = os.environ.get("EZKVM_DEB_JOBS", "2")
        # The package's contents, not its code generation, are under test: an unoptimized
        # build without debug info takes a fraction of the time.
        env = dict(os.environ, DEB_BUILD_OPTIONS=f"nocheck noopt parallel={jobs}", DEB_CXXFLAGS_APPEND="-g0",
                   LC_ALL="C.UTF-8")
        started = time.monotonic()
        result = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=tree, env=env,
                                capture_output=True, text=True)
        times["deb build"] = time.monotonic() - started
        if not checks.check("dpkg-buildpackage -us -uc -b builds the package", result.returncode == 0,
                            (result.stdout + result.stderr)[-6000:]):
            return None
        debs = list(Path(tmp).glob("ezkvm_*.deb"))
        checks.check("it produced one ezkvm_*.deb", len(debs) == 1, debs)
        staging = CACHE / (key + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for produced in Path(tmp).glob("ezkvm*_*"):  # the .changes names the -dbgsym package too
            if produced.is_file():
                shutil.copy2(produced, staging / produced.name)
        staging.rename(out)
    return out


def check_lintian(checks, deb_dir):
    changes = list(deb_dir.glob("ezkvm_*.changes"))
    target = changes[0] if changes else next(deb_dir.glob("ezkvm_*.deb"))
    result = subprocess.run(["lintian", "--no-tag-display-limit", str(target)],
                            capture_output=True, text=True)
    tags = result.stdout.splitlines()
    errors = [t for t in tags if t.startswith("E:")]
    checks.check("lintian reports no errors", not errors and result.returncode in (0, 2),
                 "\n".join(errors) or result.stderr)
    for tag in tags:
        print(f"lintian: {tag}")


def file_set(box):
    prune = " -o ".join(f"-path {p}" for p in PRUNE)
    out = box.run(f"find / \\( {prune} \\) -prune -o -print", timeout=300).stdout
    return set(out.splitlines())


def links(box):
    out = box.run(["ip", "-o", "link", "show"], check=False).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line}


def installed_units(box):
    listing = box.run(["dpkg", "-L", "ezkvm"]).stdout.split()
    system, user = [], []
    for path in listing:
        name = Path(path).name
        if not name.endswith((".service", ".socket", ".timer", ".path", ".target", ".mount")):
            continue
        if "/systemd/system/" in path:
            system.append(name)
        elif "/systemd/user/" in path:
            user.append(path)
    return sorted(system), sorted(user)


def check_install(checks, box):
    result = box.run(["apt-get", "install", "-y", "--no-install-recommends", *box.debs],
                     check=False, timeout=600, env={"DEBIAN_FRONTEND": "noninteractive"})
    if not checks.check("apt-get install ./ezkvm_*.deb succeeds with the root's Debian packages",
                        result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]):
        return False
    checks.check("apt installs only ezkvm (every dependency is already a Debian package)",
                 "1 newly installed" in result.stdout, result.stdout[-2000:])
    group = box.run(["getent", "group", "ezkvm"], check=False).stdout
    checks.check("the package's postinst made group ezkvm, for people (sysusers.d)", group.startswith("ezkvm:"), group)
    modes = box.run(["stat", "-c", "%a %U %n", "/run/ezkvm", "/var/lib/ezkvm", "/etc/ezkvm"],
                    check=False).stdout.splitlines()
    checks.check("/run/ezkvm and /var/lib/ezkvm (tmpfiles.d) and an empty /etc/ezkvm exist",
                 len(modes) == 3 and all(m.split()[1] == "root" for m in modes), modes)
    etc = box.run(["ls", "-A", "/etc/ezkvm"], check=False).stdout.split()
    checks.check("the package puts nothing into /etc/ezkvm", etc == [], etc)
    return True


def verified(result):
    """verify exits 0 with warnings too: none may be about ezkvm's units."""
    own = [line for line in (result.stdout + result.stderr).splitlines() if "ezkvm" in line]
    return result.returncode == 0 and not own


# A VM with a passt NIC: ezkvm-passt@.service is only complete with its generated drop-in.
PASST_VM = "passty"
PASST_YAML = DEMO_YAML.replace('type: user, mac: "52:54:00:12:34:56"', "type: passt")


def instance(unit):
    """The instance a template is verified as: the demo VM's, or the passt VM's NIC."""
    if unit.startswith("ezkvm-passt@."):
        return unit.replace("@.", f"@{PASST_VM}-net0.")
    return unit.replace("@.", "@demo.") if "@." in unit else unit


def check_verify(checks, box):
    system, user = installed_units(box)
    box.write_file(f"/etc/ezkvm/{PASST_VM}.yaml", PASST_YAML)
    box.systemctl("daemon-reload")
    checks.check("the package installs system units", "ezkvm@.service" in system, system)
    checks.check("the package installs user units", any(p.endswith("/ezkvm@.service") for p in user), user)
    for unit in system:
        # Templates are verified as a VM's instance, with its generated drop-ins.
        name = instance(unit)
        result = box.run(["systemd-analyze", "verify", "--man=no", "--generators=yes", name], check=False)
        checks.check(f"systemd-analyze verify {name}", verified(result),
                     f"exit {result.returncode}: {result.stdout}{result.stderr}")
    # The user units, as the user generator completes them for a user's VM file.
    env = {"XDG_CONFIG_HOME": "/tmp/verify-user/config", "XDG_RUNTIME_DIR": "/tmp/verify-user/run"}
    box.write_file("/tmp/verify-user/config/ezkvm/demo.yaml", DEMO_YAML)
    box.write_file(f"/tmp/verify-user/config/ezkvm/{PASST_VM}.yaml", PASST_YAML)
    box.run(["mkdir", "-p", "-m", "0700", env["XDG_RUNTIME_DIR"]])
    for path in user:
        name = instance(Path(path).name)
        result = box.run(["systemd-analyze", "--user", "verify", "--man=no", "--generators=yes", name],
                         check=False, env=env)
        checks.check(f"systemd-analyze --user verify {name}", verified(result),
                     f"exit {result.returncode}: {result.stdout}{result.stderr}")


def check_start(checks, box, times):
    box.write_file("/etc/ezkvm/demo.yaml", DEMO_YAML)
    box.systemctl("daemon-reload")
    started = time.monotonic()
    result = box.systemctl("start", "ezkvm@demo.service", check=False, timeout=400)
    times["systemctl start ezkvm@demo"] = time.monotonic() - started
    if not checks.check("systemctl start ezkvm@demo succeeds", result.returncode == 0,
                        f"{result.stderr}\n{box.journal('ezkvm@demo.service')[-3000:]}"):
        return False
    journal = box.journal("ezkvm@demo.service", wait_for="EZKVM-REPORT-END", timeout=REPORT_TIMEOUT)
    times["guest report after start"] = time.monotonic() - started
    report = parse_report(journal)
    checks.check("the guest boots: its report is in journalctl -u ezkvm@demo", report is not None,
                 journal[-3000:])
    if report:
        checks.check("the guest sees UEFI and a TPM 2.0",
                     report.get("firmware") == "uefi" and report.get("tpm") == "2", report)
    return True


def check_man(checks, box):
    page = box.run(["man", "-P", "cat", "ezkvm.yaml"], check=False, env={"MANWIDTH": "100"})
    text = page.stdout
    checks.check("man ezkvm.yaml renders", page.returncode == 0 and "ezkvm.yaml" in text
                 and "system.memory.max" in text, page.stderr + text[:1000])
    for name, section in (("ezkvm", "1"), ("ezkvm-generator", "8"), ("ezkvm@.service", "8")):
        result = box.run(["man", "-P", "cat", section, name], check=False)
        checks.check(f"man {section} {name} renders", result.returncode == 0 and "NAME" in result.stdout,
                     result.stderr)


def check_remove(checks, box, before_files, before_links):
    result = box.run(["apt-get", "remove", "-y", "ezkvm"], check=False, timeout=400,
                     env={"DEBIAN_FRONTEND": "noninteractive"})
    if not checks.check("apt-get remove ezkvm succeeds (with the VM running)", result.returncode == 0,
                        result.stdout[-3000:] + result.stderr[-3000:]):
        return
    journal = box.journal("ezkvm@demo.service", wait_for="EZKVM-GUEST-POWEROFF")
    checks.check("removal shut the guest down through ACPI", "EZKVM-GUEST-POWEROFF" in journal,
                 journal[-2000:])
    left = box.run(["pgrep", "-a", "-f", "qemu-system|swtpm|ezkvm"], check=False).stdout.strip()
    checks.check("no qemu, swtpm or ezkvm process left", not left, left)
    units = box.systemctl("list-units", "--all", "--plain", "--no-legend", "ezkvm*", check=False).stdout
    checks.check("no ezkvm unit left loaded", not units.strip(), units)
    new_links = links(box) - before_links
    checks.check("no network link (tap) left", not new_links, new_links)
    stray = sorted(p for p in file_set(box) - before_files
                   if not p.startswith(BOOKKEEPING) and p not in USER_FILES
                   and not any(p == a or p.startswith(a + "/") for a in ALLOWED))
    checks.check("no file left outside /etc/ezkvm, /var/lib/ezkvm and /var/lib/private/ezkvm", not stray, stray[:50])


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("SKIP: booting a container needs root")
        return 77
    src = Path(sys.argv[1]).resolve()
    checks = Checks()
    times = {}
    started = time.monotonic()
    deb_dir = build_deb(checks, src, times)
    if deb_dir is None:
        return checks.finish()
    check_lintian(checks, deb_dir)
    guest_dir = guest_paths()[0].parent
    box = boot(checks, ro_binds=[(deb_dir, DEB_DIR), (guest_dir, GUEST_DIR)], boot_timeout=300)
    if box is None:
        return checks.finish()
    box.debs = [f"{DEB_DIR}/{d.name}" for d in deb_dir.glob("ezkvm_*.deb")]
    try:
        before_files, before_links = file_set(box), links(box)
        if check_install(checks, box):
            running = check_start(checks, box, times)
            check_verify(checks, box)
            check_man(checks, box)
            if running:
                check_remove(checks, box, before_files, before_links)
    finally:
        box.poweroff()
    checks.check("nothing left on the host", not box.leftovers, box.leftovers)
    for what, seconds in times.items():
        print(f"time: {what}: {seconds:.1f} s")
    print(f"whole test: {time.monotonic() - started:.1f} s")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
