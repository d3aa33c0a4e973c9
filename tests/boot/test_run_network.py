#!/usr/bin/env python3
"""`ezkvm run` as root with the NICs whose host side ezkvm makes, a macvtap (qemu gets it as
an open fd) and a tap on a bridge, and one on a tap the user made, in a private network and
mount namespace (its own sysfs), so nothing touches the host's network.

The guest's first NIC, the macvtap on veth rn-up, has a static address and pings the veth's
far end; the second, a tap on bridge rn-br0, and the third, on the existing tap rn-tap0, are
checked from the host side. ezkvm's interfaces must exist while the VM runs and be gone once
`ezkvm run` has stopped it; the user's tap must stay.

usage: test_run_network.py EZKVM   (run as root)
"""

import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Checks, guest_paths  # noqa: E402
from test_matrix import Run  # noqa: E402

INSIDE = "--inside-namespace"
MACVTAP_MAC = "52:54:00:0d:00:01"
TAP_MAC = "52:54:00:0d:00:02"
OWN_TAP_MAC = "52:54:00:0d:00:03"
GUEST_ADDRESS = "10.78.0.50/24"
FAR_END = "10.78.0.1"
# The far end lives in the same namespace as rn-up: the guest's frames leave through the
# macvtap's parent and come back in through the veth's other end.
NETWORK = ["ip link add rn-up type veth peer name rn-peer", "ip link set rn-up up", "ip link set rn-peer up",
           f"ip addr add {FAR_END}/24 dev rn-peer", "ip link add rn-br0 type bridge", "ip link set rn-br0 up", "ip tuntap add rn-tap0 mode tap",
           "ip link set rn-tap0 up"]

VM_YAML = """\
general: {{ accel: tcg, stop_timeout: 30 }}
system:
  bios: {{ type: seabios }}
  memory: {{ max: 192M }}
  kernel:
    image: {kernel}
    initrd: {initrd}
    cmdline: console=ttyS0 quiet ezkvm.hostname=runnet ezkvm.address={address} ezkvm.ping={far_end}
gpu: {{ type: none }}
display: {{ type: none }}
network:
  - {{ type: macvtap, parent: rn-up, mac: "{macvtap_mac}" }}
  - {{ type: bridge, bridge: rn-br0, mac: "{tap_mac}" }}
  - {{ type: tap, ifname: rn-tap0, mac: "{own_tap_mac}" }}
"""


def links():
    return subprocess.run(["ip", "-d", "-o", "link", "show"], stdout=subprocess.PIPE, text=True).stdout


def link_line(name):
    return next((line for line in links().splitlines() if f": {name}@" in line or f": {name}:" in line), "")


def created_links(stderr):
    return [line.rsplit(" ", 1)[1] for line in stderr.splitlines() if "created network interface" in line]


def run_vm(checks, ezkvm, tmp):
    kernel, initrd = guest_paths()
    vm_file = tmp / "runnet.yaml"
    vm_file.write_text(VM_YAML.format(kernel=kernel, initrd=initrd, address=GUEST_ADDRESS, far_end=FAR_END,
                                      macvtap_mac=MACVTAP_MAC, tap_mac=TAP_MAC, own_tap_mac=OWN_TAP_MAC))
    env = dict(os.environ, EZKVM_RUNTIME_DIR=str(tmp / "run"), EZKVM_STATE_DIR=str(tmp / "state"))
    checks.check("rn-tap0 has no carrier before qemu opens it", "NO-CARRIER" in link_line("rn-tap0"),
                 link_line("rn-tap0"))
    run = Run(ezkvm, vm_file, env, tmp / "runnet")
    try:
        report = run.wait_report(120)
        checks.check("the guest reports", report is not None, run.stderr + run.console.text[-2000:])
        made = created_links(run.stderr)
        checks.check("ezkvm run made a macvtap and a tap", len(made) == 2, run.stderr)
        if len(made) != 2:
            return
        macvtap, tap = made
        line = link_line(macvtap)
        checks.check("the macvtap sits on rn-up with the NIC's MAC",
                     f"{macvtap}@rn-up" in line and f"link/ether {MACVTAP_MAC}" in line and "macvtap" in line, line)
        checks.check("the tap is on rn-br0", "master rn-br0" in link_line(tap), link_line(tap))
        macs = [nic.get("mac") for nic in (report or {}).get("nic", [])]
        # A tap has a carrier only while a process (qemu) has it open.
        checks.check("qemu has the user's tap rn-tap0 open", "NO-CARRIER" not in link_line("rn-tap0"),
                     link_line("rn-tap0"))
        checks.check("the guest has the three MACs in order", macs == [MACVTAP_MAC, TAP_MAC, OWN_TAP_MAC], macs)
        checks.check("the guest's address is the static one", (report or {}).get("address") == GUEST_ADDRESS,
                     (report or {}).get("address"))
        pinged = run.console.wait_for(f"EZKVM-PING-(OK|FAILED) {FAR_END}", 150, process=run.process)
        checks.check(f"the guest reaches {FAR_END} through the macvtap",
                     pinged is not None and f"EZKVM-PING-OK {FAR_END}" in run.console.text, run.console.text[-1500:])
        code = run.stop(60)
        checks.check("ezkvm run exits 0 after SIGTERM", code == 0, f"exit {code}; stderr:\n{run.stderr}")
        remaining = [name for name in made if link_line(name)]
        checks.check("ezkvm's interfaces are gone afterwards", not remaining, links())
        checks.check("the user's tap stays", link_line("rn-tap0") != "", links())
    finally:
        run.end()


def inside(ezkvm):
    checks = Checks()
    subprocess.run(["mount", "-t", "sysfs", "sysfs", "/sys"], check=True)
    for command in NETWORK:
        subprocess.run(command.split(), check=True)
    with tempfile.TemporaryDirectory(prefix="ezkvm-run-network-") as tmp:
        try:
            run_vm(checks, ezkvm, Path(tmp))
        except Exception:  # noqa: BLE001 - report it as a failed check
            checks.check("runs without an exception", False, traceback.format_exc())
    return checks.finish()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == INSIDE:
        return inside(sys.argv[2])
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("test_run_network.py must run as root (it creates network interfaces)", file=sys.stderr)
        return 1
    guest_paths()  # built (when needed) outside the namespace
    ezkvm = str(Path(sys.argv[1]).resolve())
    # A private network and mount namespace, gone (with every interface in it) when this returns.
    return subprocess.run(["unshare", "--net", "--mount", "--propagation", "private", "--",
                           sys.executable, __file__, INSIDE, ezkvm]).returncode


if __name__ == "__main__":
    sys.exit(main())
