#!/usr/bin/env python3
"""qemu accepts the command line of every imported VM file.

Each tests/import/<name>.yaml (the golden result of `ezkvm import proxmox`) goes
through tests/golden/accept.py's Case: `ezkvm show --json`, host files and devices
swapped for stand-ins, the real qemu started with -S, QMP must say "prelaunch".
Two more swaps here: a named CPU model loses `enforce` (TCG lacks features a
 KVM host has), and a machine version this qemu lacks (Proxmox hosts run newer
QEMUs than Debian 12's 7.2) becomes the newest one it has of that machine.

usage: accept.py EZKVM [CASE...]
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "golden"))
import accept  # noqa: E402


def machine_types():
    out = subprocess.run(["qemu-system-x86_64", "-machine", "help"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines()[1:] if line.strip()}


def newest(types, prefix):
    def version(t):
        return tuple(int(x) for x in t[len(prefix):].split("."))
    candidates = [t for t in types if re.fullmatch(re.escape(prefix) + r"\d+\.\d+", t)]
    return max(candidates, key=version) if candidates else None


class ImportedCase(accept.Case):
    types = None

    def cpu(self, items):
        # A named model's features are the host CPU's to give under KVM; TCG lacks some.
        if items[0] not in ("host", "max", "qemu64", "kvm64", "qemu32", "kvm32") and "enforce" in items:
            self.note(f"cpu {items[0]}: enforce dropped (TCG lacks features of the model)")
            items = [i for i in items if i != "enforce"]
        return super().cpu(items)

    def rewrite(self, argv):
        argv = list(argv)
        for i, opt in enumerate(argv[:-1]):
            if opt != "-machine":
                continue
            items = accept.split_opts(argv[i + 1])
            head = items[0]
            if head not in self.types:
                prefix = head[:head.rfind("-") + 1]
                stand_in = newest(self.types, prefix)
                if stand_in:
                    self.note(f"machine {head} -> {stand_in} (this qemu's newest)")
                    argv[i + 1] = accept.join_opts([stand_in] + items[1:])
        return super().rewrite(argv)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ezkvm = os.path.abspath(argv[1])
    ImportedCase.types = machine_types()
    cases = sorted(HERE.glob("*.yaml"))
    if argv[2:]:
        cases = [c for c in cases if c.stem in argv[2:]]
    passed, failed = 0, []
    for case in cases:
        name = re.search(r"^  name: (\S+)$", case.read_text(), re.M).group(1)
        with tempfile.TemporaryDirectory(prefix="ezkvm-import-accept-") as tmp:
            vm_file = Path(tmp) / f"{name}.yaml"  # the VM's name is its file's
            vm_file.write_text(case.read_text())
            if accept.run_and_report(ImportedCase(ezkvm, vm_file, Path(tmp)), case.stem):
                passed += 1
            else:
                failed.append(case.stem)
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
