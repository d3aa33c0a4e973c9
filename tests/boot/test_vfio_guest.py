#!/usr/bin/env python3
"""ezkvm-helper vfio-bind / vfio-release against a real kernel: boots the test guest on q35 with
an emulated Intel IOMMU (TCG is enough) and spare virtio NICs, runs the helper inside the guest
and checks, through the guest's own sysfs, that devices move to vfio-pci and back.

Guest PCI layout (guest addresses):
  00:05.0          a spare NIC with an IOMMU group of its own
  00:06.0          PCIe root port -> 01:00.0 PCIe-to-PCI bridge -> 02:01.0, 02:02.0 NICs;
                   the bridge and both NICs share one IOMMU group

usage: test_vfio_guest.py EZKVM-HELPER
"""

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guest_files import initrd_with_files, shared_libraries  # noqa: E402
from harness import Checks, Console, guest_paths, qemu_process  # noqa: E402

BOOT_TIMEOUT = 240   # TCG, emulated IOMMU, shared cores
RUN_TIMEOUT = 180
HELPER = "/usr/libexec/ezkvm/ezkvm-helper"
SINGLE = "0000:00:05.0"
BRIDGE = "0000:01:00.0"
PAIR_A = "0000:02:01.0"
PAIR_B = "0000:02:02.0"

VM_FILES = {
    # Passes the NIC with a group of its own.
    "single": f'host:\n  pci:\n    - {{ host_id: "{SINGLE}" }}\n',
    # Passes one NIC behind the bridge but not the other one in its group.
    "lonely": f'host:\n  pci:\n    - {{ host_id: "{PAIR_A}" }}\n',
    # Passes both: the group is whole (the bridge does not count).
    "pair": f'host:\n  pci:\n    - {{ host_id: "{PAIR_A}" }}\n    - {{ host_id: "{PAIR_B}" }}\n',
}

GUEST_SCRIPT = f"""#!/bin/sh
# Runs inside the test guest (ezkvm.run=). Lines:
#   vfio-state STEP ADDRESS driver=D override=O state=S
#   vfio-rc STEP=N, vfio-log STEP: what the helper printed
helper={HELPER}
driver() {{ d=$(readlink /sys/bus/pci/devices/$1/driver) && echo "${{d##*/}}" || echo none; }}
show() {{
    state=$(cat /run/ezkvm/_host/vfio/$2.json 2>/dev/null || echo none)
    echo "vfio-state $1 $2 driver=$(driver $2) override=$(cat /sys/bus/pci/devices/$2/driver_override)" \\
        "state=$state"
}}
step() {{
    name=$1
    shift
    "$@" >/run/step.log 2>&1
    rc=$?
    while read -r line; do echo "vfio-log $name: $line"; done </run/step.log
    echo "vfio-rc $name=$rc"
}}
use_vms() {{
    mkdir -p /etc/ezkvm
    rm -f /etc/ezkvm/*.yaml
    for vm; do cp /ezkvm-test/vms/$vm.yaml /etc/ezkvm/; done
}}

[ -d /sys/bus/pci/drivers/vfio-pci ] && echo vfio-module-at-start=yes || echo vfio-module-at-start=no
echo "vfio-groups=$(ls /sys/kernel/iommu_groups | wc -l)"

use_vms single
show start {SINGLE}
step bind-single $helper vfio-bind {SINGLE}
show bound {SINGLE}
echo "vfio-devnodes=$(ls /dev/vfio | tr '\\n' ' ')"
echo "vfio-group-of-single=$(basename $(readlink /sys/bus/pci/devices/{SINGLE}/iommu_group))"
step bind-single-again $helper vfio-bind {SINGLE}
show bound-again {SINGLE}
step release-single $helper vfio-release {SINGLE}
show released {SINGLE}

use_vms lonely pair
step bind-shared $helper vfio-bind {PAIR_A}
show shared {PAIR_A}
show shared {PAIR_B}
use_vms lonely
step bind-lonely $helper vfio-bind {PAIR_A}
show refused {PAIR_A}
show refused {PAIR_B}

use_vms pair
step bind-pair $helper vfio-bind {PAIR_A}
show pair-bound {PAIR_A}
show pair-bound {PAIR_B}
show pair-bound {BRIDGE}
step bind-pair-b $helper vfio-bind {PAIR_B}
step release-pair-a $helper vfio-release {PAIR_A}
step release-pair-b $helper vfio-release {PAIR_B}
show pair-released {PAIR_A}
show pair-released {PAIR_B}
step bad-address $helper vfio-bind ../../../../etc
"""


def qemu_argv(tmp, kernel, initrd):
    # DMA remapping (IOMMU groups) is all vfio-pci needs. Interrupt remapping stays off: on
    # loaded TCG hosts the kernel's check of the timer through a remapped IO-APIC can miss its
    # window and panic ("timer doesn't work through Interrupt-remapped IO-APIC"), and
    # no_timer_check skips that check for the plain IO-APIC too.
    return [
        "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
        "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "256",
        "-device", "intel-iommu,intremap=off",
        "-kernel", str(kernel), "-initrd", str(initrd),
        "-append", "console=ttyS0 intel_iommu=on no_timer_check ezkvm.ignore_acpi=1 ezkvm.skip_modules=vfio-pci "
                   "ezkvm.run=/ezkvm-test/vfio.sh",
        "-chardev", f"socket,id=serial0,path={tmp}/serial.sock,server=on,wait=off,logfile={tmp}/serial.log",
        "-serial", "chardev:serial0",
        "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,addr=0x5",
        "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x6",
        "-device", "pcie-pci-bridge,id=br1,bus=rp1",
        "-netdev", "user,id=n1", "-device", "virtio-net-pci,netdev=n1,bus=br1,addr=0x1",
        "-netdev", "user,id=n2", "-device", "virtio-net-pci,netdev=n2,bus=br1,addr=0x2",
    ]


def guest_files(helper, tmp):
    stripped = Path(tmp) / "ezkvm-helper"
    subprocess.run(["strip", "-o", str(stripped), str(helper)], check=True)
    files = {HELPER: stripped, "/ezkvm-test/vfio.sh": GUEST_SCRIPT.encode()}
    for library in shared_libraries(helper):
        files[library] = library
    for name, text in VM_FILES.items():
        files[f"/ezkvm-test/vms/{name}.yaml"] = text.encode()
    return files


def parse_run(text):
    """{(step, address): {driver, override, state}}, {step: rc}, {step: [log lines]}, {key: value}."""
    states, codes, logs, values = {}, {}, {}, {}
    for line in text.splitlines():
        if line.startswith("vfio-state "):
            _, step, address, rest = line.split(" ", 3)
            states[(step, address)] = dict(re.findall(r"(\w+)=(\S+)", rest))
        elif line.startswith("vfio-rc "):
            step, _, code = line[len("vfio-rc "):].partition("=")
            codes[step] = int(code)
        elif line.startswith("vfio-log "):
            step, _, message = line[len("vfio-log "):].partition(": ")
            logs.setdefault(step, []).append(message)
        elif line.startswith("vfio-") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value.strip()
    return states, codes, logs, values


def check_run(checks, text):
    states, codes, logs, values = parse_run(text)

    def state(step, address):
        return states.get((step, address), {})

    def log(step):
        return "\n".join(logs.get(step, []))

    checks.check("the guest has IOMMU groups", int(values.get("vfio-groups", "0")) > 0, values)
    checks.check("vfio-pci not loaded at boot", values.get("vfio-module-at-start") == "no", values)

    # A device with a group of its own: virtio-pci -> vfio-pci -> virtio-pci.
    checks.check("spare NIC starts on virtio-pci", state("start", SINGLE).get("driver") == "virtio-pci",
                 state("start", SINGLE))
    checks.check("vfio-bind exits 0", codes.get("bind-single") == 0, log("bind-single"))
    checks.check("the helper loaded vfio-pci", "loaded the vfio-pci module" in log("bind-single"),
                 log("bind-single"))
    bound = state("bound", SINGLE)
    checks.check("spare NIC is on vfio-pci", bound.get("driver") == "vfio-pci", bound)
    checks.check("driver_override is vfio-pci while bound", bound.get("override") == "vfio-pci", bound)
    checks.check("the state file remembers virtio-pci", bound.get("state") == '{"driver":"virtio-pci"}', bound)
    group = values.get("vfio-group-of-single", "?")
    checks.check("vfio made the group's device node", group in values.get("vfio-devnodes", "").split(),
                 values)
    checks.check("binding again is a no-op", codes.get("bind-single-again") == 0
                 and state("bound-again", SINGLE).get("driver") == "vfio-pci"
                 and "on vfio-pci already" in log("bind-single-again"), log("bind-single-again"))
    checks.check("vfio-release exits 0", codes.get("release-single") == 0, log("release-single"))
    released = state("released", SINGLE)
    checks.check("spare NIC is back on virtio-pci", released.get("driver") == "virtio-pci", released)
    checks.check("driver_override cleared", released.get("override") == "(null)", released)
    checks.check("state file removed", released.get("state") == "none", released)

    # The IOMMU group with a bridge and two NICs.
    checks.check("two VMs disagreeing on the group: refused", codes.get("bind-shared") == 1
                 and "0000:02:02.0 (driver virtio-pci), passed through by VM 'pair'" in log("bind-shared"),
                 log("bind-shared"))
    checks.check("a VM passing only one NIC of the group is refused", codes.get("bind-lonely") == 1,
                 log("bind-lonely"))
    refusal = log("bind-lonely")
    checks.check("the refusal names the other NIC and the choices",
                 f"{PAIR_B} (driver virtio-pci)" in refusal and "shares IOMMU group" in refusal
                 and "pass it through in the same VM" in refusal and "move the card" in refusal
                 and BRIDGE not in refusal, refusal)
    checks.check("a refused bind leaves both NICs alone",
                 all(state(step, address).get("driver") == "virtio-pci"
                     for step in ("shared", "refused") for address in (PAIR_A, PAIR_B))
                 and state("refused", PAIR_A).get("state") == "none", states)
    checks.check("binding one NIC of a VM passing both exits 0", codes.get("bind-pair") == 0, log("bind-pair"))
    checks.check("both NICs of the group are on vfio-pci",
                 state("pair-bound", PAIR_A).get("driver") == "vfio-pci"
                 and state("pair-bound", PAIR_B).get("driver") == "vfio-pci", states)
    checks.check("the bridge stays as it was", state("pair-bound", BRIDGE).get("driver") == "none"
                 and state("pair-bound", BRIDGE).get("state") == "none", state("pair-bound", BRIDGE))
    checks.check("the companion's own bind is a no-op", codes.get("bind-pair-b") == 0
                 and "on vfio-pci already" in log("bind-pair-b"), log("bind-pair-b"))
    checks.check("both releases exit 0", codes.get("release-pair-a") == 0 and codes.get("release-pair-b") == 0,
                 log("release-pair-a") + log("release-pair-b"))
    checks.check("both NICs are back on virtio-pci",
                 all(state("pair-released", a).get("driver") == "virtio-pci"
                     and state("pair-released", a).get("state") == "none" for a in (PAIR_A, PAIR_B)), states)
    checks.check("an instance that is no PCI address is refused", codes.get("bad-address") == 2
                 and "is not a PCI address" in log("bad-address"), log("bad-address"))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    helper = Path(sys.argv[1]).resolve()
    checks = Checks()
    kernel, base_initrd = guest_paths()
    with tempfile.TemporaryDirectory(prefix="ezkvm-vfio-") as tmp:
        initrd = Path(tmp) / "initrd.img"
        initrd_with_files(base_initrd, guest_files(helper, tmp), initrd, tmp)
        started = time.monotonic()
        with qemu_process(qemu_argv(tmp, kernel, initrd), tmp, checks) as qemu:
            console = None
            try:
                console = Console.from_socket(f"{tmp}/serial.sock", timeout=30)
                report = console.wait_for(r"(?m)^EZKVM-REPORT-END$", BOOT_TIMEOUT, process=qemu)
                if checks.check(f"guest report within {BOOT_TIMEOUT} s", report is not None, console.text[-3000:]):
                    print(f"boot {time.monotonic() - started:.1f} s")
                    end = console.wait_for(r"(?m)^EZKVM-RUN-END rc=(\d+)$", RUN_TIMEOUT, process=qemu)
                    if checks.check(f"guest script done within {RUN_TIMEOUT} s", end is not None,
                                    console.text[-3000:]):
                        print(f"boot and script {time.monotonic() - started:.1f} s")
                        begin = console.text.rfind("EZKVM-RUN-BEGIN")
                        run_text = console.text[begin:end.end()]
                        print(run_text)
                        checks.check("guest script exits 0", end.group(1) == "0", end.group(0))
                        check_run(checks, run_text)
            except OSError as error:
                checks.check("talk to qemu", False, repr(error))
            finally:
                if console:
                    console.close()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
