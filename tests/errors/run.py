#!/usr/bin/env python3
"""Error-message tests: each tests/errors/<case>.yaml is a bad VM file and
<case>.expected holds the exact error and warning lines `ezkvm check` prints
for it (file shown relative to the repository root). A directory <case>.root/
next to it is the host root (EZKVM_ROOT) for that case: sysfs entries, other
installed VM files.

usage: run.py EZKVM [--update] [CASE...]
  --update  rewrite the .expected files from the current output
  CASE      run only these cases (names without .yaml)
"""
import difflib
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "hosts"))
from host_fixture import host_capabilities  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def diagnostic_lines(output):
    return [line for line in output.splitlines() if "error:" in line or "warning:" in line]


def run_case(ezkvm, case):
    env = dict(os.environ)
    env["EZKVM_TEMPLATES_DIR"] = str(REPO / "etc" / "templates")
    env["EZKVM_ROOT"] = str(REPO / "tests" / "fixtures" / "empty-root")
    env["EZKVM_HOST_CAPABILITIES"] = host_capabilities(case)
    # <case>.root/: the host the case is checked on (sysfs entries, other VM files), shown relative.
    own_root = case.with_suffix(".root")
    if own_root.is_dir():
        env["EZKVM_ROOT"] = own_root.relative_to(REPO).as_posix()
    env.pop("SYSTEMD_LOG_LEVEL", None)
    rel = case.relative_to(REPO).as_posix()
    proc = subprocess.run([ezkvm, "check", rel], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)
    return proc.returncode, diagnostic_lines(proc.stderr + proc.stdout), proc.stdout + proc.stderr


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ezkvm = str(Path(argv[1]).resolve())
    update = "--update" in argv[2:]
    only = [a for a in argv[2:] if a != "--update"]
    cases = sorted(HERE.glob("*.yaml"))
    if only:
        cases = [c for c in cases if c.stem in only]
        missing = set(only) - {c.stem for c in cases}
        if missing:
            print("no such case: " + ", ".join(sorted(missing)), file=sys.stderr)
            return 2

    failed = []
    for case in cases:
        expected_file = case.with_suffix(".expected")
        rc, got, output = run_case(ezkvm, case)
        if update:
            expected_file.write_text("".join(line + "\n" for line in got))
            print(f"updated {expected_file.relative_to(REPO)}")
            continue
        if not expected_file.exists():
            failed.append(case.stem)
            print(f"FAIL {case.stem}: {expected_file.relative_to(REPO)} is missing (run with --update)")
            continue
        expected = expected_file.read_text().splitlines()
        want_rc = 1 if any("error:" in line for line in expected) else 0
        problems = []
        if got != expected:
            diff = difflib.unified_diff(expected, got, fromfile=f"{case.stem}.expected",
                                        tofile=f"{case.stem} (ezkvm check)", lineterm="")
            problems.append("\n".join(diff))
        if rc != want_rc:
            problems.append(f"exit code {rc}, expected {want_rc}")
        if problems:
            failed.append(case.stem)
            print(f"FAIL {case.stem}")
            for p in problems:
                print("  " + p.replace("\n", "\n  "))
            if got == [] and output.strip():
                print("  full output:\n    " + output.strip().replace("\n", "\n    "))
        else:
            print(f"ok   {case.stem}")

    if update:
        return 0
    print(f"{len(cases) - len(failed)} of {len(cases)} cases passed")
    if failed:
        print("failed: " + " ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
