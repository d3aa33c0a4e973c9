"""The main() every real-systemd test of an installed build shares: usage and root checks,
the build's prefix, `meson install --destdir` of the build, a container booted with it (and
the test guest) bound in, the test's steps, poweroff with the check that nothing is left on
the host, and the step timings."""

import os
import sys
import tempfile
import time
from pathlib import Path

from container import build_root
from harness import Checks, guest_paths
from shared_steps import boot
from test_units import GUEST_DIR, SUPPORTED_PREFIXES, build_prefix, install, install_binds


def run_installed(doc, steps, after=None):
    """steps(checks, box, times) runs in the booted container; after(checks, binds, times),
    when given, runs once it is powered off (binds: what the installed tree needs bound).
    Returns the exit status: 0 all checks passed, 1 some failed, 2 usage, 77 skipped."""
    if len(sys.argv) != 2:
        print(doc.strip().splitlines()[-1], file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("SKIP: booting a container needs root")
        return 77
    build_dir = Path(sys.argv[1]).resolve()
    checks = Checks()
    prefix = build_prefix(build_dir)
    if not checks.check(f"the build's prefix is one of {', '.join(SUPPORTED_PREFIXES)}",
                        prefix in SUPPORTED_PREFIXES, prefix):
        return checks.finish()
    guest_dir = guest_paths()[0].parent
    times = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ezkvm-install-") as destdir:
        install(build_dir, Path(destdir))
        binds = install_binds(Path(destdir), build_root())
        box = boot(checks, ro_binds=binds + [(guest_dir, GUEST_DIR)], boot_timeout=300)
        if box is None:
            return checks.finish()
        try:
            steps(checks, box, times)
        finally:
            box.poweroff()
        checks.check("nothing left on the host", not box.leftovers, box.leftovers)
        if after:
            after(checks, binds + [(guest_dir, GUEST_DIR)], times)
    for what, seconds in times.items():
        print(f"time: {what}: {seconds:.2f} s")
    print(f"whole test: {time.monotonic() - started:.1f} s")
    return checks.finish()
