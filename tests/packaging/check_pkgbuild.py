#!/usr/bin/env python3
"""packaging/arch/PKGBUILD in step with meson's install and with debian/control.

The PKGBUILD's package() is `meson install`, so its file list is meson's; what can drift is
what the PKGBUILD says about those files. This configures ezkvm as arch-meson does on Arch
(prefix /usr, libexecdir lib, sbindir bin, Arch's systemd.pc from
arch-pkgconfig/), installs that configuration with `meson install --destdir` (the build
targets replaced by empty placeholders: only paths matter) and checks:

- pkgver is meson's project version;
- backup= lists exactly the files installed under /etc (pacman keeps a user's changes to them);
- nothing is installed where Arch has symlinks (/bin, /sbin, /lib, /lib64, /usr/sbin,
  /usr/lib64) or where Arch packages put nothing (/usr/libexec, /usr/local, /var, /run);
- every library meson links against is in depends, every other build dependency in
  makedepends, and every Debian Depends/Recommends has its Arch counterpart in
  depends/optdepends.

usage: check_pkgbuild.py SOURCE_DIR
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARCH_MESON = ["--prefix", "/usr", "--libexecdir", "lib", "--sbindir", "bin", "--buildtype", "plain",
              "--auto-features", "enabled", "--wrap-mode", "nodownload"]
# meson dependency() name -> (Arch package, needed at run time)
ARCH_LIBS = {
    "yaml-cpp": ("yaml-cpp", True),
    "fmt": ("fmt", True),
    "libsystemd": ("systemd-libs", True),
    "libacl": ("acl", True),
    "nlohmann_json": ("nlohmann-json", False),
    "CLI11": ("cli11", False),
    "systemd": ("systemd", False),
    "catch2": ("catch2", False),
    "bash-completion": ("bash-completion", False),
    "polkit-gobject-1": ("polkit", False),
}
# debian/control package -> Arch package
ARCH_NAMES = {
    "qemu-system-x86": "qemu-system-x86",
    "qemu-utils": "qemu-img",
    "swtpm": "swtpm",
    "swtpm-tools": "swtpm",
    "ovmf": "edk2-ovmf",
    "virt-viewer": "virt-viewer",
    "passt": "passt",
}
FORBIDDEN = ("bin/", "sbin/", "lib/", "lib64/", "usr/sbin/", "usr/lib64/", "usr/libexec/",
             "usr/local/", "var/", "run/")


def pkgbuild_vars(pkgbuild):
    script = ('set -e; source "$1"; for v in pkgname pkgver backup depends makedepends optdepends; do '
              'eval "printf \'%s\\0\' \\"$v\\" \\"\\${$v[@]}\\""; printf "\\n"; done; '
              'declare -F | cut -d" " -f3')
    out = subprocess.run(["bash", "-c", script, "bash", str(pkgbuild)], check=True,
                         capture_output=True, text=True).stdout
    lines = out.split("\n")
    values = {}
    for line in lines[:6]:
        fields = line.split("\0")
        values[fields[0]] = [f for f in fields[1:] if f]
    values["functions"] = set(lines[6:]) - {""}
    return values


def debian_relations(control):
    """Depends and Recommends of the binary package, without substitution variables."""
    text = Path(control).read_text()
    binary = text[text.index("\nPackage:"):]
    relations = {}
    for field in ("Depends", "Recommends"):
        match = re.search(rf"^{field}:(.*(?:\n[ \t].*)*)", binary, re.M)
        names = [re.split(r"[\s(]", r.strip())[0] for r in match.group(1).split(",")] if match else []
        relations[field] = [n for n in names if n and not n.startswith("${")]
    return relations


def arch_install(src, tmp):
    """Installed paths (relative) of the arch-meson configuration, and its dependencies."""
    build, dest = tmp / "build", tmp / "dest"
    env = dict(os.environ, PKG_CONFIG_PATH=f"{HERE / 'arch-pkgconfig'}:{os.environ.get('PKG_CONFIG_PATH', '')}")
    subprocess.run(["meson", "setup", str(build), str(src), *ARCH_MESON, "-Dtests=true"], env=env,
                   check=True, capture_output=True, text=True)
    targets = json.loads(subprocess.run(["meson", "introspect", str(build), "--targets"], check=True,
                                        capture_output=True, text=True).stdout)
    for target in targets:
        if target.get("installed"):
            for name in target["filename"]:
                Path(name).parent.mkdir(parents=True, exist_ok=True)
                Path(name).touch()
    subprocess.run(["meson", "install", "-C", str(build), "--no-rebuild", "--quiet", "--destdir", str(dest)],
                   check=True, capture_output=True, text=True)
    paths = []
    for dirpath, dirnames, filenames in os.walk(dest):
        rel = Path(dirpath).relative_to(dest)
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            paths.append(str(rel / name))
        if not dirnames and not filenames and rel != Path("."):
            paths.append(str(rel) + "/")
    deps = json.loads(subprocess.run(["meson", "introspect", str(build), "--dependencies"], check=True,
                                     capture_output=True, text=True).stdout)
    return sorted(paths), sorted({d["name"] for d in deps})


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    src = Path(sys.argv[1]).resolve()
    failures = []

    def check(name, ok, detail=""):
        print(f"{'PASS' if ok else 'FAIL'} {name}{'' if ok or not detail else ': ' + str(detail)}")
        if not ok:
            failures.append(name)

    pkg = pkgbuild_vars(src / "packaging" / "arch" / "PKGBUILD")
    check("the PKGBUILD defines build(), check() and package()",
          {"build", "check", "package"} <= pkg["functions"], pkg["functions"])
    with tempfile.TemporaryDirectory(prefix="ezkvm-arch-") as tmp:
        paths, deps = arch_install(src, Path(tmp))
        info = json.loads(subprocess.run(["meson", "introspect", str(Path(tmp) / "build"), "--projectinfo"],
                                         check=True, capture_output=True, text=True).stdout)
    print(f"meson install (arch-meson layout): {len(paths)} paths")
    for p in paths:
        print(f"  /{p}")
    check("meson installs the program, generator, helper and units",
          all(any(p.endswith(f) for p in paths) for f in
              ("usr/bin/ezkvm", "usr/lib/systemd/system-generators/ezkvm-generator",
               "usr/lib/ezkvm/ezkvm-helper", "usr/lib/systemd/system/ezkvm@.service")), paths)
    check("pkgver is meson's project version", pkg["pkgver"] == [info["version"]],
          f"{pkg['pkgver']} != {info['version']}")
    etc = sorted(p for p in paths if p.startswith("etc/") and not p.endswith("/"))
    check("backup= lists exactly the files installed under /etc", sorted(pkg["backup"]) == etc,
          f"backup={pkg['backup']}, installed under etc: {etc}")
    wrong = [p for p in paths if p.startswith(FORBIDDEN)]
    check("nothing installed in Arch's symlinked or package-free directories", not wrong, wrong)
    unmapped = [d for d in deps if d not in ARCH_LIBS]
    check("every meson dependency has an Arch package in this test's table", not unmapped, unmapped)
    for dep in deps:
        if dep not in ARCH_LIBS:
            continue
        package, runtime = ARCH_LIBS[dep]
        where = pkg["depends"] if runtime else pkg["depends"] + pkg["makedepends"]
        check(f"meson dependency {dep}: {package} in {'depends' if runtime else 'makedepends'}",
              package in where)
    relations = debian_relations(src / "debian" / "control")
    optional = [o.split(":")[0] for o in pkg["optdepends"]]
    for field, arch_list in (("Depends", pkg["depends"]), ("Recommends", optional)):
        for name in relations[field]:
            arch = ARCH_NAMES.get(name)
            check(f"debian {field} {name}: {arch or '(unmapped)'} in the PKGBUILD",
                  arch is not None and arch in arch_list, f"add it to ARCH_NAMES and the PKGBUILD")
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
