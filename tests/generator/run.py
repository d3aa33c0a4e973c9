#!/usr/bin/env python3
"""Golden-tree tests of ezkvm-generator (zram-generator style).

Each cases/<case>/ holds
  root/         a fixture EZKVM_ROOT (/etc/ezkvm/*.yaml, or for a case named user-*
                /home/user/.config/ezkvm/*.yaml; firmware descriptors under usr/)
  expected/     the exact tree the generator must write
  diagnostics   the error and warning lines it must log (file:line:col: ...)
The generator runs into an empty directory with EZKVM_ROOT=<case>/root, the
repository's templates and SYSTEMD_LOG_LEVEL=debug; the trees are compared with
`diff -ru --no-dereference` (so unexpected files fail and symlinks compare by
target). The exit status must be 1 when an error is expected, else 0, and
`--dry-run` must print exactly the files written.

Symlinks into the build's configured unit directories (--unit-dir,
--user-unit-dir) are compared as if that directory were /usr/lib/systemd/system
(/usr/lib/systemd/user), so the expected trees do not depend on the prefix.

With --shipped-units / --shipped-user-units DIR (the configured shipped units
of each scope) and systemd-analyze installed, every generated unit is also
checked offline with `systemd-analyze [--user] verify` together with them.

usage: run.py GENERATOR [--unit-dir DIR] [--user-unit-dir DIR] [--shipped-units DIR]
              [--shipped-user-units DIR] [--update] [CASE...]
  --update  rewrite expected/ and diagnostics from the current output
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CASES = HERE / "cases"
CANONICAL_UNIT_DIRS = {"system": "/usr/lib/systemd/system", "user": "/usr/lib/systemd/user"}
# What a user manager would give the generator, fixed so the output is reproducible.
USER_ENV = {
    "HOME": "/home/user",
    "XDG_CONFIG_HOME": "/home/user/.config",
    "XDG_RUNTIME_DIR": "/run/user/1000",
    "XDG_STATE_HOME": "/home/user/.local/state",
}


def scope_of(case):
    return "user" if case.name.startswith("user-") else "system"


def generator_env(case):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "EZKVM_ROOT": str(case / "root"),
        "EZKVM_TEMPLATES_DIR": str(REPO / "etc" / "templates"),
        "SYSTEMD_LOG_LEVEL": "debug",
        "SYSTEMD_LOG_TARGET": "console",
        "SYSTEMD_SCOPE": scope_of(case),
        "EZKVM_HOST_CAPABILITIES": "none",
    }
    if scope_of(case) == "user":
        env.update(USER_ENV)
    return env


def diagnostic_lines(stderr):
    return [line.removeprefix("ezkvm-generator: ") for line in stderr.splitlines()
            if ": error: " in line or ": warning: " in line]


def canonicalize_links(tree, unit_dirs):
    """Rewrites symlinks into the configured unit directories to the canonical ones."""
    for path in sorted(tree.rglob("*")):
        if not path.is_symlink():
            continue
        target = os.readlink(path)
        for scope, configured in unit_dirs.items():
            if configured and target.startswith(configured.rstrip("/") + "/"):
                path.unlink()
                path.symlink_to(CANONICAL_UNIT_DIRS[scope] + target[len(configured.rstrip("/")):])
                break


def tree_files(tree):
    """(relative path, content or '-> target') of every file below tree, sorted."""
    out = []
    for path in sorted(tree.rglob("*")):
        rel = path.relative_to(tree).as_posix()
        if path.is_symlink():
            out.append((rel, None, os.readlink(path)))
        elif path.is_file():
            out.append((rel, path.read_text(), None))
    return out


def check_dry_run(generator, case, tree, status):
    """--dry-run must list exactly the files the real run wrote, and end the same way."""
    proc = subprocess.run([generator, "--dry-run"], env=generator_env(case), capture_output=True,
                          text=True, timeout=60)
    problems = []
    if proc.returncode != status:
        problems.append(f"--dry-run exited {proc.returncode}, the real run {status}")
    headers = [line for line in proc.stdout.splitlines() if re.match(r"^# [^ ]+(\.conf| -> .*)$", line)]
    files = tree_files(tree)
    if len(headers) != len(files):
        problems.append(f"--dry-run listed {len(headers)} files, the real run wrote {len(files)}")
    for rel, content, target in files:
        if target is not None:
            if f"# {rel} -> {target}\n" not in proc.stdout:
                problems.append(f"--dry-run does not list the link {rel} -> {target}")
        elif f"# {rel}\n{content}" not in proc.stdout:
            problems.append(f"--dry-run does not print {rel} as written")
    return problems


def check_no_overwrite(generator, case, tree):
    """A second run into the same directory must refuse to replace the drop-ins."""
    before = tree_files(tree)
    proc = subprocess.run([generator, str(tree)], env=generator_env(case), capture_output=True, text=True,
                          timeout=60)
    problems = []
    regular = [rel for rel, content, target in before if target is None]
    refused = [rel for rel in regular if f"{rel} exists already" in proc.stderr]
    if regular and (proc.returncode != 1 or refused != regular):
        problems.append(f"a second run exited {proc.returncode} and refused {len(refused)} of "
                        f"{len(regular)} existing files:\n{proc.stderr}")
    if tree_files(tree) != before:
        problems.append("a second run changed the files of the first")
    return problems


def systemd_analyze_verify(case, tree, shipped):
    """systemd-analyze verify (offline) of every generated unit with the shipped units of its scope."""
    analyze = shutil.which("systemd-analyze")
    if not analyze or not shipped:
        return []
    user = scope_of(case) == "user"
    problems = []
    with tempfile.TemporaryDirectory(prefix="ezkvm-verify-") as tmp:
        unit_dir = Path(tmp) / "units"
        shutil.copytree(tree, unit_dir, symlinks=True)
        stub = Path(tmp) / "ezkvm-helper"
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
        # The helper is not installed here: point the units (shipped and generated,
        # whose ExecStart= may run qemu through it) at a stub so the check of
        # ExecStart= binaries passes, nothing else changes.
        for unit in Path(shipped).iterdir():
            (unit_dir / unit.name).write_text(re.sub(r"/\S*/ezkvm-helper", str(stub), unit.read_text()))
        for generated in unit_dir.rglob("*.conf"):
            generated.write_text(re.sub(r"/\S*/ezkvm-helper", str(stub), generated.read_text()))
        instances = {m.group(0) for p in tree.rglob("*")
                     for m in [re.match(r"ezkvm(-swtpm)?@[^.]+\.(service|socket)", p.name)] if m}
        # A TPM socket without anything to change gets no drop-in: verify the shipped one.
        instances = sorted(instances | {re.sub(r"\.service$", ".socket", unit) for unit in instances
                                        if unit.startswith("ezkvm-swtpm@")})
        env = dict(os.environ, SYSTEMD_UNIT_PATH=f"{unit_dir}:", SYSTEMD_LOG_LEVEL="notice")
        command = [analyze, "verify", "--man=no", "--generators=no"]
        if user:
            runtime = Path(tmp) / "runtime"  # the user manager's state, offline
            runtime.mkdir()
            env["XDG_RUNTIME_DIR"] = str(runtime)
            command.insert(1, "--user")

        def verify(unit):
            return subprocess.run(command + [unit], cwd=unit_dir, env=env, capture_output=True, text=True,
                                  timeout=120)

        for unit in instances:
            proc = verify(unit)
            own = [line for line in (proc.stdout + proc.stderr).splitlines() if "ezkvm" in line]
            if proc.returncode != 0 or own:
                problems.append(f"systemd-analyze verify {unit}:\n" + "\n".join(own or [proc.stderr.strip()]))
        # An instance without a VM file has no ExecStart= and must be refused.
        proc = verify("ezkvm@no-such-vm.service")
        if proc.returncode == 0 or "no ExecStart=" not in proc.stderr:
            problems.append("systemd-analyze verify accepts ezkvm@no-such-vm.service:\n" + proc.stderr.strip())
    return problems


def check_modes(tree):
    """Generated files are 0644 whatever the generator's umask (run with 077 here, except
    for --update, whose tree becomes expected/)."""
    return [f"{path.relative_to(tree)} has mode {path.stat().st_mode & 0o7777:o}, not 644"
            for path in sorted(tree.rglob("*"))
            if path.is_file() and not path.is_symlink() and path.stat().st_mode & 0o7777 != 0o644]


def run_case(generator, case, args):
    expected_tree = case / "expected"
    expected_diags_file = case / "diagnostics"
    with tempfile.TemporaryDirectory(prefix="ezkvm-generator-") as tmp:
        out = Path(tmp) / "normal"
        out.mkdir()
        proc = subprocess.run([generator, str(out), str(Path(tmp) / "early"), str(Path(tmp) / "late")],
                              env=generator_env(case), capture_output=True, text=True, timeout=60,
                              preexec_fn=None if args.update else lambda: os.umask(0o077))
        dry_run_problems = [] if args.update else check_modes(out)
        dry_run_problems += check_dry_run(generator, case, out, proc.returncode)
        dry_run_problems += check_no_overwrite(generator, case, out)
        canonicalize_links(out, {"system": args.unit_dir, "user": args.user_unit_dir})
        diags = diagnostic_lines(proc.stderr)

        if args.update:
            shutil.rmtree(expected_tree, ignore_errors=True)
            shutil.copytree(out, expected_tree, symlinks=True)
            expected_diags_file.write_text("".join(line + "\n" for line in diags))
            print(f"updated {case.relative_to(REPO)}")
            return []

        problems = []
        if not expected_tree.is_dir():
            return [f"{expected_tree.relative_to(REPO)} is missing (run with --update)"]
        diff = subprocess.run(["diff", "-ru", "--no-dereference", str(expected_tree), str(out)],
                              capture_output=True, text=True)
        if diff.returncode != 0:
            problems.append("output tree differs:\n" + diff.stdout + diff.stderr)
        expected_diags = expected_diags_file.read_text().splitlines() if expected_diags_file.exists() else []
        if diags != expected_diags:
            problems.append("diagnostics differ:\n  expected:\n    " + "\n    ".join(expected_diags) +
                            "\n  got:\n    " + "\n    ".join(diags))
        want_status = 1 if any(": error: " in line for line in expected_diags) else 0
        if proc.returncode != want_status:
            problems.append(f"exit status {proc.returncode}, expected {want_status}\n{proc.stderr}")
        if not any(line.startswith("ezkvm-generator: wrote ") for line in proc.stderr.splitlines()):
            problems.append("SYSTEMD_LOG_LEVEL=debug logged no 'wrote' lines")
        problems += dry_run_problems
        shipped = args.shipped_user_units if scope_of(case) == "user" else args.shipped_units
        problems += systemd_analyze_verify(case, out, shipped)
        return problems


def main(argv):
    parser = argparse.ArgumentParser(add_help=True, usage=__doc__)
    parser.add_argument("generator")
    parser.add_argument("--unit-dir", default="")
    parser.add_argument("--user-unit-dir", default="")
    parser.add_argument("--shipped-units", default="")
    parser.add_argument("--shipped-user-units", default="")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_intermixed_args(argv[1:])
    generator = str(Path(args.generator).resolve())

    cases = sorted(p for p in CASES.iterdir() if (p / "root").is_dir())
    if args.cases:
        missing = set(args.cases) - {c.name for c in cases}
        if missing:
            print("no such case: " + ", ".join(sorted(missing)), file=sys.stderr)
            return 2
        cases = [c for c in cases if c.name in args.cases]

    failed = []
    for case in cases:
        problems = run_case(generator, case, args)
        if problems:
            failed.append(case.name)
            print(f"FAIL {case.name}")
            for p in problems:
                print("  " + p.replace("\n", "\n  "))
        elif not args.update:
            print(f"ok   {case.name}")
    if args.update:
        return 0
    print(f"{len(cases) - len(failed)} of {len(cases)} cases passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
