#!/usr/bin/env python3
"""ezkvm's networking in a real systemd 252 (container.py, its own private network), installed
from the build under test as test_units.py installs it.

- type nat: two guests on ezkvm0 (systemd-networkd with ezkvm's shipped files) get their
  addresses by DHCP, ping each other and the bridge; their taps belong to ezkvm and are on
  ezkvm0; the taps are gone after a clean stop and after kill -9 of qemu.
- type bridge on a bridge the test makes, for a VM with a 64-character name: valid tap name,
  the guest's NIC has the configured MAC, the tap is on the bridge, qemu runs as ezkvm.
- type user with a forward: a connection from the container to the forwarded port reaches a
  server in the guest; type passt: passt runs as ezkvm, the guest gets its address from passt,
  a connection to the forwarded port reaches the guest's server, passt stops with the VM.
- a user VM on a host bridge (the gtk desktop of the original tool, which used qemu's bridge
  helper): root's ezkvm-bridge-tap.socket hands a desktop user's qemu its tap. Refused before
  /etc/qemu/bridge.conf allows the bridge and while the user is not in group ezkvm; then the
  guest boots on the bridge with its MAC, qemu runs as the user, and the tap goes away with qemu
  (kill -9 included). Attacks on the socket (another user, a bridge not allowed, a forged VM
  name, a malformed request) get no fd.
- type macvtap on the container's uplink: the macvtap carries the configured MAC, its device
  belongs to ezkvm, qemu (started through ezkvm-helper with-macvtaps) runs as ezkvm, the guest
  reaches the far end of the uplink and answers a connection from there; gone after a stop.

usage: test_network.py BUILD_DIR   (a build configured with --prefix=/usr or /usr/local)
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "boot"))
from harness import parse_report  # noqa: E402
from test_units import (GUEST_DIR, Timer, dynamic_uid, process_uid, prop, run_step, runs_as_vm_user,  # noqa: E402
                        wait_until)  # noqa: E402
from installed_test import run_installed  # noqa: E402

REPORT_TIMEOUT = 240
BRIDGE_ADDRESS = "10.233.0.1"  # net/networkd/50-ezkvm0.network
LONG_NAME = "l" * 54 + "-bridged64"
assert len(LONG_NAME) == 64

VM_YAML = """\
general:
  accel: tcg
  stop_timeout: 30
system:
  bios: {{ type: seabios }}
  memory: {{ max: 192M }}
  kernel:
    image: {guest}/vmlinuz
    initrd: {guest}/initrd.img
    cmdline: console=ttyS0 quiet ezkvm.hostname={name} {switches}
gpu: {{ type: none }}
display: {{ type: none }}
network:
  - {nic}
"""

NAT = {"nat-a": ("52:54:00:0a:00:01", "10.233.0.101"), "nat-b": ("52:54:00:0a:00:02", "10.233.0.102")}
# Fixed leases for the two MACs: the guests still ask ezkvm0's DHCP server, and each knows
# the other's address in advance (so both boot at once).
LEASES = "".join(f"[DHCPServerStaticLease]\nMACAddress={mac}\nAddress={addr}\n\n" for mac, addr in NAT.values())
# The container's uplink ezt-up (10.77.0.2) and its far end in a network namespace of its own
# (10.77.0.1, the default gateway): passt takes its addresses from the default route, and a
# macvtap guest on ezt-up talks to the far end.
PEER_NS = "ezt-peer"
UPLINK = ("ip link add ezt-up type veth peer name ezt-peer && ip netns add ezt-peer && "
          "ip link set ezt-peer netns ezt-peer && ip -n ezt-peer addr add 10.77.0.1/24 dev ezt-peer && "
          "ip -n ezt-peer link set ezt-peer up && ip -n ezt-peer link set lo up && "
          "ip addr add 10.77.0.2/24 dev ezt-up && ip link set ezt-up up && ip route add default via 10.77.0.1")
MACVTAP = ("52:54:00:0c:00:01", "10.77.0.50")

# Connects to HOST:PORT and prints the first line it reads (retrying while the guest's server
# is not up yet); with a fourth argument, sends that line first, as SSH and HTTP clients do.
CONNECT = """
import socket, sys, time
deadline = time.monotonic() + float(sys.argv[3])
while True:
    try:
        with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5) as s:
            if len(sys.argv) > 4:
                s.sendall(sys.argv[4].encode() + b"\\n")
            data = s.makefile().readline().strip()
            if data:
                print(data)
                break
    except OSError as error:
        last = error
    if time.monotonic() > deadline:
        print(f"no answer: {last if 'last' in dir() else 'empty'}")
        break
    time.sleep(1)
"""


USER = "bob"          # a desktop user with a VM of their own
OUTSIDER = "eve"      # a local user outside group ezkvm
USER_BRIDGE = "ezt-ubr"
USER_MAC = "52:54:00:0d:00:01"
# Speaks the bridge tap protocol by hand: prints the reply and how many fds came with it.
ASK_TAP = """
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("/run/ezkvm/_bridge-tap.sock")
s.sendall(sys.argv[1].encode() + b"\\n")
message, fds, _, _ = socket.recv_fds(s, 4096, 4)
print(json.dumps({"reply": json.loads(message.decode()), "fds": len(fds)}))
"""


def vm_yaml(name, nic, switches=""):
    return VM_YAML.format(guest=GUEST_DIR, name=name[:20], nic=nic, switches=switches)


def tap_of(box, vm, index=0):
    """The tap ezkvm made for NIC index of vm, from the qemu command line systemd runs."""
    exec_start = prop(box, f"ezkvm@{vm}.service", "ExecStart")
    names = re.findall(r"ifname=([^,; ]+)", exec_start)
    return names[index] if len(names) > index else None


def links(box):
    return box.run(["ip", "-o", "link", "show"], check=False).stdout


def master_of(box, ifname):
    match = re.search(r" master (\S+)", box.run(["ip", "-o", "link", "show", "dev", ifname], check=False).stdout)
    return match.group(1) if match else None


def start(checks, box, *vms):
    result = box.systemctl("start", *[f"ezkvm@{vm}.service" for vm in vms], check=False, timeout=400)
    return checks.check(f"systemctl start {' '.join(vms)}", result.returncode == 0,
                        result.stderr + "".join(box.journal(f"ezkvm@{vm}.service")[-2000:] for vm in vms))


def report_of(checks, box, vm, wait_for="EZKVM-REPORT-END"):
    journal = box.journal(f"ezkvm@{vm}.service", wait_for=wait_for, timeout=REPORT_TIMEOUT)
    report = parse_report(journal)
    checks.check(f"{vm}: the guest reports", report is not None, journal[-3000:])
    return journal, report or {}


def check_setup(checks, box):
    box.run(["systemd-sysusers"])
    box.run(["systemd-tmpfiles", "--create"])
    box.run(UPLINK)
    box.write_file("/usr/local/lib/ezkvm-test/connect.py", CONNECT)
    box.write_file("/etc/systemd/network/50-ezkvm0.network.d/leases.conf", LEASES)
    for vm, (mac, addr) in NAT.items():
        other = next(a for v, (_, a) in NAT.items() if v != vm)
        box.write_file(f"/etc/ezkvm/{vm}.yaml", vm_yaml(vm, f'{{ type: nat, mac: "{mac}" }}',
                                                        f"ezkvm.ping={BRIDGE_ADDRESS},{other}"))
    box.write_file(f"/etc/ezkvm/{LONG_NAME}.yaml",
                   vm_yaml("bridged", '{ type: bridge, bridge: brtest0, mac: "bc:24:11:3a:21:b7" }'))
    box.write_file("/etc/ezkvm/fwd-user.yaml", vm_yaml("fwd-user", '{ type: user, forward: ["tcp:2222:7777"] }',
                                                       "ezkvm.serve=7777"))
    box.write_file("/etc/ezkvm/fwd-passt.yaml", vm_yaml("fwd-passt", '{ type: passt, forward: ["tcp:2223:7777"] }',
                                                        "ezkvm.serve=7777"))
    mac, address = MACVTAP
    box.write_file("/etc/ezkvm/mvtap.yaml", vm_yaml("mvtap", f'{{ type: macvtap, parent: ezt-up, mac: "{mac}" }}',
                                                    f"ezkvm.address={address}/24 ezkvm.ping=10.77.0.1 "
                                                    "ezkvm.serve=7777"))
    box.systemctl("daemon-reload")
    check = box.run(["ezkvm", "check"], check=False)
    checks.check("ezkvm check accepts the VM files", check.returncode == 0, check.stdout + check.stderr)


def check_nat(checks, box, times):
    timer = Timer()
    if not start(checks, box, "nat-a", "nat-b"):
        return
    times["systemctl start of two nat VMs (networkd pulled in)"] = timer.seconds
    state = prop(box, "systemd-networkd.service", "ActiveState")
    checks.check("starting a nat VM started systemd-networkd", state == "active", state)
    taps = {vm: tap_of(box, vm) for vm in NAT}
    for vm, tap in taps.items():
        checks.check(f"{vm}: its tap is on ezkvm0", tap and master_of(box, tap) == "ezkvm0", links(box))
        owner = box.run(["cat", f"/sys/class/net/{tap}/owner"], check=False).stdout.strip()
        uid = dynamic_uid(box, f"ezkvm-{vm}")
        checks.check(f"{vm}: its tap belongs to the VM's own user", uid and owner == str(uid), f"{owner} {uid}")
        checks.check(f"{vm}: qemu runs as the VM's own user ezkvm-{vm}",
                     runs_as_vm_user(box, prop(box, f"ezkvm@{vm}.service", "MainPID"), f"ezkvm-{vm}"))
    for vm, (mac, addr) in NAT.items():
        other = next(a for v, (_, a) in NAT.items() if v != vm)
        journal, report = report_of(checks, box, vm)
        checks.check(f"{vm}: DHCP address from ezkvm0", report.get("address") == f"{addr}/24", report.get("address"))
        for target in (BRIDGE_ADDRESS, other):
            journal = box.journal(f"ezkvm@{vm}.service", wait_for=f"EZKVM-PING-OK {target}", timeout=150)
            checks.check(f"{vm} reaches {target}", f"EZKVM-PING-OK {target}" in journal, journal[-1500:])
    times["nat guests up and pinging"] = timer.seconds
    box.systemctl("stop", "ezkvm@nat-a.service", check=False, timeout=200)
    checks.check("nat-a's tap is gone after a stop", taps["nat-a"] not in links(box), links(box))
    pid = prop(box, "ezkvm@nat-b.service", "MainPID")
    box.run(["kill", "-9", pid], check=False)
    failed = wait_until(lambda: prop(box, "ezkvm@nat-b.service", "ActiveState") in ("failed", "inactive"), 60)
    checks.check("kill -9 of nat-b's qemu ends the unit", failed, prop(box, "ezkvm@nat-b.service", "ActiveState"))
    gone = wait_until(lambda: taps["nat-b"] not in links(box), 30)
    checks.check("nat-b's tap is gone after kill -9 of qemu", gone, links(box))
    journal = box.journal("ezkvm@nat-b.service", wait_for="removed network interface")
    checks.check("cleanup logged the removal", f"removed network interface {taps['nat-b']}" in journal,
                 journal[-1500:])


def check_bridge_and_user(checks, box, times):
    box.run("ip link add brtest0 type bridge && ip link set brtest0 up")
    timer = Timer()
    if not start(checks, box, LONG_NAME, "fwd-user"):
        return
    times["systemctl start of a bridge VM and a user VM"] = timer.seconds
    tap = tap_of(box, LONG_NAME)
    checks.check("a 64-character VM name gets a valid tap name",
                 tap is not None and re.fullmatch(r"ez[0-9a-f]{8}n0", tap) is not None, tap)
    checks.check("the tap is on the test's bridge", tap and master_of(box, tap) == "brtest0", links(box))
    long_user = box.run(["ezkvm", "show", "--units", LONG_NAME], check=False).stdout
    long_user = next((line.split("=", 1)[1] for line in long_user.splitlines() if line.startswith("User=")), "")
    checks.check("a 64-character VM name gets a user name that fits 31 characters",
                 long_user.startswith("ezkvm-") and len(long_user) <= 31, long_user)
    checks.check("the bridge VM's qemu runs as its own user",
                 runs_as_vm_user(box, prop(box, f"ezkvm@{LONG_NAME}.service", "MainPID"), long_user))
    _, report = report_of(checks, box, LONG_NAME)
    macs = [nic.get("mac") for nic in report.get("nic", [])]
    checks.check("the bridge guest has its configured MAC", macs == ["bc:24:11:3a:21:b7"], macs)
    report_of(checks, box, "fwd-user", wait_for="EZKVM-SERVING")
    answer = connect(box, "127.0.0.1", 2222)
    checks.check("type user: 127.0.0.1:2222 reaches the guest's server", answer == "EZKVM-HELLO fwd-user", answer)
    times["bridge and user guests checked"] = timer.seconds
    box.systemctl("stop", f"ezkvm@{LONG_NAME}.service", "ezkvm@fwd-user.service", check=False, timeout=200)
    checks.check("the bridge VM's tap is gone after stop", tap not in links(box), links(box))


def check_passt(checks, box, times):
    timer = Timer()
    if not start(checks, box, "fwd-passt"):
        return
    passt = "ezkvm-passt@fwd-passt-net0.service"
    checks.check("passt runs for the VM", prop(box, passt, "ActiveState") == "active",
                 box.journal(passt)[-1500:])
    checks.check("passt runs as the VM's own user, as its qemu does",
                 runs_as_vm_user(box, prop(box, passt, "MainPID"), "ezkvm-fwd-passt")
                 and runs_as_vm_user(box, prop(box, "ezkvm@fwd-passt.service", "MainPID"), "ezkvm-fwd-passt"))
    _, report = report_of(checks, box, "fwd-passt", wait_for="EZKVM-SERVING")
    # passt hands the guest the host's own address by DHCP.
    checks.check("type passt: the guest got the host's address from passt",
                 report.get("address") == "10.77.0.2/24", report.get("address"))
    listening = box.run(["ss", "-Hltnp", "sport = :2223"], check=False).stdout
    checks.check("type passt: passt listens on the forwarded port", "passt" in listening, listening)
    # The client speaks first: Debian 12's passt (2023-03-09) never acknowledges the guest's
    # SYN-ACK of a forwarded connection on its own, only with the client's first data (see
    # README, passt), so a server that speaks first waits forever.
    answer = connect(box, "127.0.0.1", 2223, send_first="hello")
    checks.check("type passt: 127.0.0.1:2223 reaches the guest's server", answer == "EZKVM-HELLO fwd-passt", answer)
    times["passt guest checked"] = timer.seconds
    box.systemctl("stop", "ezkvm@fwd-passt.service", check=False, timeout=200)
    stopped = wait_until(lambda: prop(box, passt, "ActiveState") == "inactive", 30)
    checks.check("passt stops with the VM", stopped, prop(box, passt, "ActiveState"))


def check_macvtap(checks, box, times):
    timer = Timer()
    if not start(checks, box, "mvtap"):
        return
    times["systemctl start of a macvtap VM"] = timer.seconds
    mac, address = MACVTAP
    exec_start = prop(box, "ezkvm@mvtap.service", "ExecStart")
    match = re.search(r"with-macvtaps (\S+) -- ", exec_start)
    checks.check("qemu starts through ezkvm-helper with-macvtaps", match is not None, exec_start)
    if not match:
        return
    macvtap = match.group(1)
    link = box.run(["ip", "-d", "-o", "link", "show", "dev", macvtap], check=False).stdout
    checks.check("the macvtap sits on ezt-up in bridge mode", f"{macvtap}@ezt-up" in link and "macvtap mode bridge" in link,
                 link)
    checks.check("the macvtap carries the configured MAC", f"link/ether {mac}" in link, link)
    ifindex = box.run(["cat", f"/sys/class/net/{macvtap}/ifindex"], check=False).stdout.strip()
    owner = box.run(["stat", "-c", "%u %a", f"/dev/tap{ifindex}"], check=False).stdout.strip()
    uid = dynamic_uid(box, "ezkvm-mvtap")
    checks.check("its device belongs to the VM's own user, mode 600", owner == f"{uid} 600", f"{owner} {uid}")
    pid = prop(box, "ezkvm@mvtap.service", "MainPID")
    comm = box.run(["cat", f"/proc/{pid}/comm"], check=False).stdout.strip()
    checks.check("the unit's main process is qemu, as the VM's own user",
                 comm.startswith("qemu") and runs_as_vm_user(box, pid, "ezkvm-mvtap"), comm)
    _, report = report_of(checks, box, "mvtap", wait_for="EZKVM-SERVING")
    macs = [nic.get("mac") for nic in report.get("nic", [])]
    checks.check("the macvtap guest has its configured MAC", macs == [mac], macs)
    journal = box.journal("ezkvm@mvtap.service", wait_for="EZKVM-PING-OK 10.77.0.1", timeout=150)
    checks.check("the macvtap guest reaches the far end of the uplink", "EZKVM-PING-OK 10.77.0.1" in journal,
                 journal[-1500:])
    answer = connect(box, address, 7777, netns=PEER_NS)
    checks.check("a connection from the far end reaches the guest's server", answer == "EZKVM-HELLO mvtap", answer)
    times["macvtap guest checked"] = timer.seconds
    box.systemctl("stop", "ezkvm@mvtap.service", check=False, timeout=200)
    checks.check("the macvtap is gone after stop", macvtap not in links(box), links(box))


def ask_tap(box, user, request):
    """What the bridge tap service answers `user` for `request` (a dict, or raw text)."""
    text = request if isinstance(request, str) else json.dumps(request)
    result = box.run(["runuser", "-u", user, "--", "python3", "/usr/local/lib/ezkvm-test/ask_tap.py", text],
                     check=False, timeout=60)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return {"reply": result.stdout + result.stderr, "fds": 0}


def user_taps(box):
    return re.findall(r"^\d+: (ez[0-9a-f]{8}u\d+)[@:]", links(box), re.M)


def start_user_vm(box):
    return box.user_systemctl(USER, "start", "ezkvm@ubr.service", check=False, timeout=300)


def check_user_bridge(checks, box, times):
    box.run(f"ip link add {USER_BRIDGE} type bridge && ip link set {USER_BRIDGE} up && "
            "ip link add ezt-other type bridge && ip link set ezt-other up")
    box.write_file("/usr/local/lib/ezkvm-test/ask_tap.py", ASK_TAP)
    box.run(["rm", "-f", "/etc/qemu/bridge.conf"])
    wanted = prop(box, "ezkvm-bridge-tap.socket", "WantedBy")
    checks.check("ezkvm-bridge-tap.socket is wanted by sockets.target (listening from boot)",
                 "sockets.target" in wanted, wanted)
    box.systemctl("start", "ezkvm-bridge-tap.socket")
    box.run(["useradd", "--create-home", OUTSIDER], check=False)
    box.enable_user_manager(USER)
    box.write_file(f"/home/{USER}/.config/ezkvm/ubr.yaml",
                   vm_yaml("ubr", f'{{ type: bridge, bridge: {USER_BRIDGE}, mac: "{USER_MAC}" }}'))
    box.run(["chown", "-R", f"{USER}:{USER}", f"/home/{USER}/.config"])
    box.user_systemctl(USER, "daemon-reload")

    check = box.user_run(USER, ["ezkvm", "--user", "check", "ubr"], check=False)
    checks.check("ezkvm --user check names the missing bridge.conf line",
                 f"adds the line 'allow {USER_BRIDGE}'" in check.stdout + check.stderr, check.stdout + check.stderr)
    result = start_user_vm(box)
    journal = box.journal("ezkvm@ubr.service", user=USER)
    checks.check("no start while /etc/qemu/bridge.conf does not allow the bridge",
                 result.returncode != 0 and "does not allow users' VMs" in journal, journal[-2000:])

    box.write_file("/etc/qemu/bridge.conf", f"# users' VMs may join the LAN bridge\nallow {USER_BRIDGE}\n")
    answer = ask_tap(box, USER, {"vm": "ubr", "nic": 0, "bridge": USER_BRIDGE})
    checks.check("no tap for a user outside group ezkvm",
                 answer["fds"] == 0 and "group ezkvm" in json.dumps(answer["reply"]), answer)
    box.user_systemctl(USER, "reset-failed", "ezkvm@ubr.service", check=False)
    result = start_user_vm(box)
    journal = box.journal("ezkvm@ubr.service", user=USER)
    checks.check("no start while the user is not in group ezkvm",
                 result.returncode != 0 and "only members of group ezkvm" in journal, journal[-2000:])

    box.run(["usermod", "-aG", "ezkvm", USER])
    box.run(["systemctl", "restart", f"user@{box.uid(USER)}.service"])
    box.enable_user_manager(USER)
    attacks = {
        "another user": (OUTSIDER, {"vm": "ubr", "nic": 0, "bridge": USER_BRIDGE}),
        "a bridge bridge.conf does not allow": (USER, {"vm": "ubr", "nic": 0, "bridge": "ezt-other"}),
        "a VM name with a path": (USER, {"vm": "../../etc/x", "nic": 0, "bridge": USER_BRIDGE}),
        "an interface name with a path": (USER, {"vm": "ubr", "nic": 0, "bridge": f"{USER_BRIDGE}/../x"}),
        "an extra key": (USER, {"vm": "ubr", "nic": 0, "bridge": USER_BRIDGE, "owner": 0}),
        "not JSON": (USER, "allow all"),
    }
    for what, (user, request) in attacks.items():
        answer = ask_tap(box, user, request)
        checks.check(f"bridge tap service: no fd for {what}", answer["fds"] == 0 and "error" in answer["reply"],
                     answer)
    answer = ask_tap(box, USER, {"vm": "probe", "nic": 3, "bridge": USER_BRIDGE})
    granted = answer["reply"].get("ifname", "") if isinstance(answer["reply"], dict) else ""
    checks.check("a member of group ezkvm gets a tap on an allowed bridge", answer["fds"] == 1 and granted, answer)
    checks.check("the tap goes with the process that held it", granted and granted not in links(box), links(box))

    box.user_systemctl(USER, "reset-failed", "ezkvm@ubr.service", check=False)
    timer = Timer()
    result = start_user_vm(box)
    journal = box.journal("ezkvm@ubr.service", user=USER)
    if not checks.check("systemctl --user start of a VM on a host bridge", result.returncode == 0,
                        result.stderr + journal[-2000:]):
        return
    times["systemctl --user start of a VM on a host bridge"] = timer.seconds
    taps = user_taps(box)
    checks.check("the user VM's tap is on the bridge", len(taps) == 1 and master_of(box, taps[0]) == USER_BRIDGE,
                 links(box))
    pid = box.user_systemctl(USER, "show", "-P", "MainPID", "ezkvm@ubr.service").stdout.strip()
    checks.check("the user VM's qemu runs as the user", process_uid(box, pid) == box.uid(USER), pid)
    journal = box.journal("ezkvm@ubr.service", user=USER, wait_for="EZKVM-REPORT-END", timeout=REPORT_TIMEOUT)
    report = parse_report(journal) or {}
    macs = [nic.get("mac") for nic in report.get("nic", [])]
    checks.check("the guest on the bridge has its configured MAC", macs == [USER_MAC], journal[-3000:])
    box.run(["kill", "-9", pid], check=False)
    gone = wait_until(lambda: not user_taps(box), 30)
    checks.check("the tap is gone after kill -9 of qemu", gone, links(box))
    box.user_systemctl(USER, "stop", "ezkvm@ubr.service", check=False, timeout=120)


def connect(box, host, port, send_first=None, netns=None):
    """What connect.py prints for host:port (run in network namespace `netns` when given)."""
    argv = ["python3", "/usr/local/lib/ezkvm-test/connect.py", host, str(port), "60"]
    if send_first:
        argv.append(send_first)
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    return box.run(argv, check=False, timeout=90).stdout.strip()


def steps(checks, box, times):
    if run_step(checks, "setup", lambda: check_setup(checks, box)):
        run_step(checks, "nat", lambda: check_nat(checks, box, times))
        run_step(checks, "bridge and user", lambda: check_bridge_and_user(checks, box, times))
        run_step(checks, "passt", lambda: check_passt(checks, box, times))
        run_step(checks, "macvtap", lambda: check_macvtap(checks, box, times))
        run_step(checks, "user VM on a bridge", lambda: check_user_bridge(checks, box, times))


def main():
    return run_installed(__doc__, steps)

if __name__ == "__main__":
    sys.exit(main())
