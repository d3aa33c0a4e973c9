#!/usr/bin/env python3
"""The shell completions in completions/, run for real by bash, zsh and fish against the
ezkvm of this build: commands, options and VM names (from `ezkvm complete-vms` over a
fixture config directory); and every command and option of `ezkvm --help` is completed.
`ezkvm --help` must list every command of the command table (cli/commands.cpp). One
shell per run; a shell that is not installed is a skip (exit 77), never a pass.

usage: test_completions.py BUILD_DIR SOURCE_DIR bash|fish|zsh
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "boot"))
from harness import Checks  # noqa: E402

VMS = ("alpha", "beta", "web-1")
USER_VMS = ("mine", "web-2")  # $XDG_CONFIG_HOME/ezkvm: what --user completes
HIDDEN = {"complete-vms"}
SKIP = 77  # meson counts this exit code as a skipped test


def table_commands(source):
    """The command names of the CLI's command table."""
    table = (source / "cli" / "commands.cpp").read_text()
    table = table[table.index("table{"):]
    return re.findall(r'^\s*\{"([a-z][a-z0-9-]*)",', table[:table.index("};")], re.M)


def run(argv, env, **kwargs):
    return subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=60, **kwargs)


def ezkvm_help(env, *command):
    return run(["ezkvm", *command, "--help"], env).stdout


def subcommands(help_text):
    """The subcommands CLI11 lists under SUBCOMMANDS:."""
    names, inside = [], False
    for line in help_text.splitlines():
        if re.match(r"^subcommands:", line, re.I):
            inside = True
        elif inside and re.match(r"^  \S", line):
            names.append(line.split()[0])
        elif inside and line.strip() and not line.startswith(" "):
            inside = False
    return names


def long_options(help_text):
    return sorted(set(re.findall(r"^\s+(?:-\w,\s*)?(--[a-z][\w-]*)", help_text, re.M)))


class Bash:
    def __init__(self, script, env):
        self.script, self.env = script, env

    def complete(self, line):
        """What bash offers for the last word of `line` (a trailing space starts a new word)."""
        words = line.split()
        if line.endswith(" "):
            words.append("")
        program = f"""
source {self.script}
COMP_WORDS=({' '.join(repr(w) if w else "''" for w in words)})
COMP_CWORD={len(words) - 1}
COMP_LINE={line!r}
COMP_POINT=${{#COMP_LINE}}
_ezkvm
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
        result = run(["bash", "-c", program], self.env)
        return [w for w in result.stdout.splitlines() if w] + ([f"stderr: {result.stderr}"] if result.stderr else [])

    def registered(self):
        return run(["bash", "-c", f"source {self.script}; complete -p ezkvm"], self.env).stdout.strip()


def fish_complete(script, env, line):
    result = run(["fish", "--no-config", "-c", f"source {script}; complete -C {line!r}"], env)
    return [w.split("\t")[0] for w in result.stdout.splitlines() if w]


# zsh completes only inside its line editor: a pseudo-terminal (zpty) runs an interactive
# zsh whose compadd is wrapped to print every candidate it is given, then gets LINE and a tab.
ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "PROMPT=''; fpath=(${(q)DIR} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd () { builtin compadd -O __hits "$@"; print -rl -- "<<"${^__hits}">>" >/dev/tty; builtin compadd "$@" }'
zpty -w z 'bindkey "^I" complete-word; print READY-$((6*7))'
all=""
for i in {1..100}; do
  while zpty -rt z chunk; do all+=$chunk; done
  [[ $all == *READY-42* ]] && break
  sleep 0.1
done
zpty -n -w z "$LINE"$'\t'
# The candidates come at once; done after half a second without output.
all="" quiet=0
for i in {1..100}; do
  got=0
  while zpty -rt z chunk; do all+=$chunk; got=1; done
  if (( got )); then quiet=0; else (( quiet++ )); fi
  [[ -n $all ]] && (( quiet >= 5 )) && break
  sleep 0.1
done
print -r -- "$all"
zpty -d z
"""


def zsh_complete(directory, env, line):
    result = run(["zsh", "-f", "-c", ZSH_DRIVER], dict(env, DIR=str(directory), LINE=line))
    return sorted(set(re.findall(r"<<([^<>\s]+)>>", result.stdout.replace("\r", ""))))


def check_bash(checks, source, env, commands, options):
    bash = Bash(source / "completions" / "ezkvm.bash", env)
    checks.check("bash: complete -F _ezkvm ezkvm is registered", bash.registered() == "complete -F _ezkvm ezkvm",
                 bash.registered())
    offered = bash.complete("ezkvm ")
    missing = [c for c in commands if c not in offered]
    checks.check("bash: every command of ezkvm --help is completed", not missing, f"missing {missing}")
    checks.check("bash: hidden commands are not offered", not HIDDEN & set(offered), offered)
    extra = sorted(set(offered) - set(commands))
    if extra:
        print(f"note: bash completes commands this build does not have (yet): {extra}")
    checks.check("bash: 'ezkvm con' completes to console", bash.complete("ezkvm con") == ["console"],
                 bash.complete("ezkvm con"))
    for command, wanted in options.items():
        got = bash.complete(f"ezkvm {command} --")
        missing = [o for o in wanted if o not in got]
        checks.check(f"bash: every option of ezkvm {command} --help is completed", not missing,
                     f"missing {missing}, offered {got}")
    for line in ("ezkvm console ", "ezkvm view ", "ezkvm qmp "):
        got = bash.complete(line)
        checks.check(f"bash: '{line}' completes the VM names", got == list(VMS), got)
    got = bash.complete("ezkvm --user stop ")
    checks.check("bash: with --user, the user's VM names", got == list(USER_VMS), got)
    checks.check("bash: VM names by prefix", bash.complete("ezkvm console w") == ["web-1"],
                 bash.complete("ezkvm console w"))
    got = bash.complete("ezkvm qmp alpha query-s")
    checks.check("bash: QMP command names after the VM", got == ["query-status"], got)
    got = bash.complete("ezkvm console alpha ")
    checks.check("bash: nothing after the one VM of console", got == [], got)
    with tempfile.TemporaryDirectory(prefix="ezkvm-compl-") as cwd:
        Path(cwd, "mine.yaml").write_text("")
        Path(cwd, "notes.txt").write_text("")
        program = Bash(source / "completions" / "ezkvm.bash", env)
        result = run(["bash", "-c", f"cd {cwd}; source {program.script}; COMP_WORDS=(ezkvm show m); "
                      "COMP_CWORD=2; _ezkvm; printf '%s\\n' \"${COMPREPLY[@]}\""], env)
        checks.check("bash: show completes *.yaml files as well", result.stdout.split() == ["mine.yaml"],
                     result.stdout + result.stderr)


def check_fish(checks, source, env, commands):
    script = source / "completions" / "ezkvm.fish"
    offered = fish_complete(script, env, "ezkvm ")
    missing = [c for c in commands if c not in offered]
    checks.check("fish: every command is completed", not missing, f"missing {missing}, offered {offered}")
    got = fish_complete(script, env, "ezkvm console ")
    checks.check("fish: VM names after console", sorted(got) == list(VMS), got)
    got = fish_complete(script, env, "ezkvm --user stop ")
    checks.check("fish: the user's VM names after --user stop", sorted(got) == list(USER_VMS), got)
    got = fish_complete(script, env, "ezkvm view --")
    checks.check("fish: view's options", {"--print", "--timeout", "--help"} <= set(got), got)


def check_zsh(checks, source, env, commands):
    directory = source / "completions"
    syntax = run(["zsh", "-n", str(directory / "_ezkvm")], env)
    checks.check("zsh: _ezkvm parses", syntax.returncode == 0, syntax.stderr)
    offered = zsh_complete(directory, env, "ezkvm ")
    missing = [c for c in commands if c not in offered]
    checks.check("zsh: every command is completed", not missing, f"missing {missing}, offered {offered}")
    got = zsh_complete(directory, env, "ezkvm console ")
    checks.check("zsh: VM names after console", got == sorted(VMS), got)
    got = zsh_complete(directory, env, "ezkvm --user monitor ")
    checks.check("zsh: the user's VM names after --user monitor", got == sorted(USER_VMS), got)
    got = zsh_complete(directory, env, "ezkvm stop --")
    checks.check("zsh: stop's options", {"--force", "--help"} <= set(got), got)


SHELLS = {"bash": check_bash, "fish": check_fish, "zsh": check_zsh}


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in SHELLS:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    build, source, shell = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), sys.argv[3]
    if not shutil.which(shell):
        print(f"SKIP: {shell} is not installed (scripts/deps installs it)")
        return SKIP
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="ezkvm-compl-root-") as root:
        for name in VMS:
            path = Path(root, "etc/ezkvm", f"{name}.yaml")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("system:\n  memory: { max: 256M }\n")
        Path(root, "etc/ezkvm/defaults.yaml").write_text("general: {}\n")
        for name in USER_VMS:  # EZKVM_ROOT prefixes the user's directories too
            path = Path(root, "home/user/.config/ezkvm", f"{name}.yaml")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("system:\n  memory: { max: 256M }\n")
        env = dict(os.environ, EZKVM_ROOT=root, HOME="/home/user", XDG_CONFIG_HOME="/home/user/.config",
                   PATH=f"{build / 'cli'}:{os.environ.get('PATH', '/usr/bin:/bin')}")
        names = run(["ezkvm", "complete-vms"], env).stdout.split()
        checks.check("ezkvm complete-vms prints the VM names", names == list(VMS), names)
        names = run(["ezkvm", "--user", "complete-vms"], env).stdout.split()
        checks.check("ezkvm --user complete-vms prints the user's VM names", names == list(USER_VMS), names)
        commands = [c for c in subcommands(ezkvm_help(env)) if c not in HIDDEN]
        table = [c for c in table_commands(source) if c not in HIDDEN]
        checks.check(f"ezkvm --help lists the {len(table)} commands of cli/commands.cpp",
                     len(table) >= 13 and sorted(commands) == sorted(table), f"help {commands}, table {table}")
        if shell == "bash":
            options = {c: long_options(ezkvm_help(env, c)) for c in table}
            # Commands with subcommands of their own (import proxmox): their options too.
            for c in table:
                for sub in subcommands(ezkvm_help(env, c)):
                    options[f"{c} {sub}"] = long_options(ezkvm_help(env, c, sub))
            check_bash(checks, source, env, table, options)
        else:
            SHELLS[shell](checks, source, env, table)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
