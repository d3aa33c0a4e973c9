#!/usr/bin/env python3
"""Runs the unit tests of one hidden Catch2 tag where this host can run them; elsewhere
prints why and exits 77, which meson counts as a skip (never as a pass).

usage: run_when.py root|dir:PATH UNIT_TESTS TAG
"""
import os
import subprocess
import sys

SKIP = 77


def missing(need):
    if need == "root":
        return None if os.geteuid() == 0 else "needs root"
    if need.startswith("dir:"):
        return None if os.path.isdir(need[4:]) else f"{need[4:]} does not exist"
    raise SystemExit(f"unknown need {need!r}")


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    need, binary, tag = sys.argv[1:]
    reason = missing(need)
    if reason:
        print(f"SKIP: the {tag} unit tests {reason}")
        return SKIP
    return subprocess.call([binary, tag])


if __name__ == "__main__":
    sys.exit(main())
