#!/usr/bin/env python3
"""ezkvm.yaml(5) documents exactly the config keys the parser knows.

The code side: tests/manpage/config-keys prints every key of the key table
(lib/config/keys.cpp), which is where the parser's mappings take their keys
from, with its type and default.

The man side: man/ezkvm.yaml.5.scd documents each key by a term line, an
unindented line that starts with the key's full path in bold, list items
written "[]":

    *system.cpu.cores:* _number_ 1 to 256
    *gpu.pci[].host\\_id*, *host.pci[].host\\_id:* _PCI address_ (required)

The path ends in a colon; a line may document several paths (bold, comma-separated).
Every leaf key of the code must have a term line; a key that is itself a mapping or a
list of mappings (system.chipset, storage[].drives) may have one; a term line naming
anything else fails. A default on a term line ("(default *no*)", "default *64M*") must
be the table's (without the bold), and a key with a default in the table must show it.
"""
import re
import subprocess
import sys
from pathlib import Path

PATH = r"[a-z0-9_\\.\[\]]+"
# "*a.b:*" or "*a.b*, *c.d:*" at the start of a line.
TERM = re.compile(rf"^((?:\*{PATH}\*, )*)\*({PATH}):\*")
# "(default *no*)", "(looking_glass only; default */dev/kvmfr0*)", "(default 1)"
DEFAULT = re.compile(r"default ([^)]+)\)")


def code_keys(exe):
    """{path: default} of every key of the key table."""
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return {path: default for path, _type, default in (line.split("\t") for line in out.splitlines())}


def man_keys(page):
    """{path: (line number, default or "")} of every term line."""
    keys = {}
    for number, line in enumerate(page.read_text().splitlines(), 1):
        m = TERM.match(line)
        if not m:
            continue
        default = DEFAULT.search(line[m.end():])
        value = default.group(1).replace("*", "").replace("\\_", "_") if default else ""
        for path in re.findall(rf"\*({PATH})\*", m.group(1)) + [m.group(2)]:
            keys.setdefault(path.replace("\\_", "_"), (number, value))
    return keys


def main():
    exe, src = sys.argv[1], Path(sys.argv[2])
    page = src / "man" / "ezkvm.yaml.5.scd"
    code = code_keys(exe)
    if len(code) < 50:
        sys.exit(f"config-keys printed only {len(code)} keys; the key table is not what it should be")
    # A key whose path is the prefix of others is a mapping or a list of mappings.
    parents = {k for k in code if any(o.startswith(k + ".") or o.startswith(k + "[].") for o in code)}
    documented = man_keys(page)
    failures = []
    for key in sorted(set(code) - parents - documented.keys()):
        failures.append(f"{page}: key '{key}' exists in the code but has no term line '*{key}:*'")
    for key, (line, default) in sorted(documented.items(), key=lambda kv: kv[1]):
        if key not in code:
            failures.append(f"{page}:{line}: '{key}' is documented but the parser knows no such key")
        elif default != code[key]:
            failures.append(f"{page}:{line}: '{key}' has the default '{default}' here and '{code[key]}' in "
                            "lib/config/keys.cpp")
    for f in failures:
        print(f)
    print(f"{len(code)} keys in the code ({len(parents)} of them mappings or lists), "
          f"{len(documented)} term lines in the man page, {len(failures)} problems")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
