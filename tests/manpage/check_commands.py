#!/usr/bin/env python3
"""ezkvm(1) documents every command of the CLI's command table (cli/commands.cpp), and
names no command the table lacks.

A command is documented by a term line of the COMMANDS section that starts with its
name in bold (*check* [*-q*] ...).

usage: check_commands.py COMMANDS_CPP EZKVM_1_SCD
"""
import re
import sys
from pathlib import Path


def table_commands(source):
    table = source[source.index("table{"):]
    table = table[:table.index("};")]
    return re.findall(r'^\s*\{"([a-z][a-z0-9-]*)",', table, re.M)


def documented(page):
    section = page[page.index("\n# COMMANDS\n"):]
    section = section[:section.index("\n# ", 1)]
    return {m.group(1): page[:page.index(section)].count("\n") + section[:m.start()].count("\n") + 2
            for m in re.finditer(r"^\*([a-z][a-z0-9-]*)\*", section, re.M)}


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    source, page_path = Path(sys.argv[1]).read_text(), Path(sys.argv[2])
    commands = table_commands(source)
    if len(commands) < 3:
        print(f"{sys.argv[1]}: found only {commands} in the command table")
        return 1
    docs = documented(page_path.read_text())
    failures = [f"{page_path}: command '{c}' is in cli/commands.cpp but has no term line '*{c}*' under COMMANDS"
                for c in commands if c not in docs]
    failures += [f"{page_path}:{line}: '{c}' is documented but is not a command"
                 for c, line in docs.items() if c not in commands]
    for f in failures:
        print(f)
    print(f"{len(commands)} commands, {len(docs)} documented, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
