"""Adds files to the cached test guest without rebuilding it: a second cpio archive appended
to its initramfs (the kernel unpacks concatenated archives in order, later files winning).

Together with the guest's ezkvm.run=PATH switch (tests/guest/init) a test can run its own
script, and programs from the build with their shared libraries, inside the guest.
"""

import gzip
import os
import shutil
import subprocess
from pathlib import Path


def shared_libraries(program):
    """The absolute paths ldd lists for program (its loader included)."""
    output = subprocess.run(["ldd", str(program)], stdout=subprocess.PIPE, text=True,
                            check=True).stdout
    paths = []
    for line in output.splitlines():
        words = line.split()
        for word in words:
            if word.startswith("/"):
                paths.append(word)
                break
    return paths


def initrd_with_files(base_initrd, files, out, work):
    """Writes to out the base initrd plus files ({guest path: host path or bytes}).

    Host files keep their mode; symlinks are followed. work is a scratch directory.
    """
    staging = Path(work) / "overlay"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for guest_path, source in files.items():
        target = staging / guest_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            target.write_bytes(source)
            target.chmod(0o755 if source.startswith(b"#!") else 0o644)
        else:
            shutil.copy(source, target)
    names = subprocess.run(["find", ".", "-mindepth", "1"], cwd=staging, stdout=subprocess.PIPE,
                           check=True).stdout
    archive = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"], cwd=staging,
                             input=names, stdout=subprocess.PIPE, check=True).stdout
    with open(out, "wb") as result:
        result.write(Path(base_initrd).read_bytes())
        # Compressed like the base, so the kernel's unpacker needs no alignment between them.
        result.write(gzip.compress(archive, compresslevel=6))
    os.chmod(out, 0o644)
