#!/usr/bin/env python3
"""Golden tests for the qemu command line.

For every tests/cases/<name>.yaml, runs `ezkvm show` and compares its output
(one argument per line) with tests/cases/<name>.argv. The environment is fixed
so the output does not depend on the machine: templates from the checkout,
/run/ezkvm and /var/lib/ezkvm as base directories, and EZKVM_ROOT pointing at
the fixture tests/fixtures/golden-root: the firmware descriptors Debian 12's
ovmf installs with stand-in images (the cases pass on any distribution, with or
without ovmf), and no etc/ (no site defaults, templates or firmware overrides).

usage: run.py EZKVM [--update] [CASE...]
"""
import difflib
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "hosts"))
from host_fixture import host_capabilities  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases"
FIXTURE_ROOT = REPO / "tests" / "fixtures" / "golden-root"


def environment(root, case):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EZKVM_") and not k.startswith("XDG_")}
    env.update(
        EZKVM_ROOT=str(root),
        EZKVM_TEMPLATES_DIR=str(REPO / "etc" / "templates"),
        EZKVM_RUNTIME_DIR="/run/ezkvm",
        EZKVM_STATE_DIR="/var/lib/ezkvm",
        EZKVM_HOST_CAPABILITIES=host_capabilities(REPO / case),
    )
    return env


def show(ezkvm, case, root):
    return subprocess.run([ezkvm, "show", str(case)], capture_output=True, text=True, env=environment(root, case),
                          cwd=REPO)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ezkvm = os.path.abspath(argv[1])
    update = "--update" in argv[2:]
    wanted = [a for a in argv[2:] if a != "--update"]
    cases = sorted(CASES.glob("*.yaml"))
    if wanted:
        cases = [c for c in cases if c.stem in wanted]
    if not cases:
        print("no golden cases found", file=sys.stderr)
        return 1
    return run_cases(ezkvm, cases, FIXTURE_ROOT, update)


def run_cases(ezkvm, cases, root, update):
    failed = []
    for case in cases:
        expected_file = case.with_suffix(".argv")
        result = show(ezkvm, case.relative_to(REPO), root)
        if result.returncode != 0:
            print(f"FAIL {case.stem}: ezkvm show exited {result.returncode}\n{result.stderr}")
            failed.append(case.stem)
            continue
        if update:
            if not expected_file.exists() or expected_file.read_text() != result.stdout:
                expected_file.write_text(result.stdout)
                print(f"updated {expected_file.relative_to(REPO)}")
            continue
        if not expected_file.exists():
            print(f"FAIL {case.stem}: {expected_file.relative_to(REPO)} is missing (run with --update)")
            failed.append(case.stem)
            continue
        expected = expected_file.read_text()
        if expected != result.stdout:
            diff = difflib.unified_diff(expected.splitlines(keepends=True), result.stdout.splitlines(keepends=True),
                                        fromfile=str(expected_file.relative_to(REPO)), tofile="ezkvm show")
            print(f"FAIL {case.stem}:\n{''.join(diff)}")
            failed.append(case.stem)
        else:
            print(f"ok   {case.stem}")
    for argv_file in sorted(CASES.glob("*.argv")):
        if not argv_file.with_suffix(".yaml").exists():
            print(f"FAIL {argv_file.relative_to(REPO)} has no .yaml")
            failed.append(argv_file.stem)
    if update:
        return 1 if failed else 0
    print(f"{len(cases) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
