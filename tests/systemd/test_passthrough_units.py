#!/usr/bin/env python3
"""The Windows 11 gaming example (etc/examples/win11-gaming.yaml: a GPU with two functions,
looking-glass, TPM, pvscsi disks on LVM, a bridged NIC, a USB device) installed as
/etc/ezkvm/win11-gaming.yaml in a real systemd 252 (container.py), with the build installed
the way test_units.py does it.

Checked: the generated units (the VM, its swtpm units and both ezkvm-vfio@ units) pass
`systemd-analyze verify`; the VM requires and is ordered after each vfio unit and gets
DeviceAllow= for the VFIO and USB devices and LimitMEMLOCK=infinity. With the vfio units
pointed at a fixture sysfs root by a drop-in setting EZKVM_ROOT (a host whose GPU is on
vfio-pci already, as vfio-pci.ids= leaves it), `systemctl start ezkvm-vfio@...` works on its
own (and StopWhenUnneeded= stops it again at once). The start order is checked with a VM that
passes the same GPU through and needs nothing else (gpu-order): `systemctl start` starts both
vfio units before the VM's first command, whose prepare then refuses the start (the container's
own sysfs has no such GPU), and StopWhenUnneeded= stops the vfio units again. (The example
itself would fail on its missing disk devices, and whether systemd runs its Requires= units
before that failure cancels the transaction is a race.)

usage: test_passthrough_units.py BUILD_DIR   (a build configured with --prefix=/usr or /usr/local)
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "boot"))
from test_units import prop, run_step, wait_until  # noqa: E402
from installed_test import run_installed  # noqa: E402

EXAMPLE = HERE.parent.parent / "etc" / "examples" / "win11-gaming.yaml"
VM = "win11-gaming"
VM_UNIT = f"ezkvm@{VM}.service"
GPU = ("0000:03:00.0", "0000:03:00.1")
VFIO_UNITS = [f"ezkvm-vfio@{address}.service" for address in GPU]
FIXTURE = "/run/ezkvm-test-root"   # the vfio units' EZKVM_ROOT inside the container
ORDER_VM = "gpu-order"
ORDER_UNIT = f"ezkvm@{ORDER_VM}.service"

# Test-only: the vfio units look at the fixture host instead of the container's sysfs.
VFIO_DROPIN = f"""\
[Service]
Environment=EZKVM_ROOT={FIXTURE}
ReadWritePaths={FIXTURE}
"""


# The fixture host's copy of the VM file, for vfio-bind's claims (which VM passes what
# through): the example's GPU, without what would need the fixture to hold firmware too.
FIXTURE_VM = f"""\
system: {{ bios: {{ type: seabios }} }}
gpu:
  type: passthrough
  pci:
    - {{ vm_id: "0.0", host_id: "{GPU[0]}", multi_function: yes }}
    - {{ vm_id: "0.1", host_id: "{GPU[1]}" }}
display: {{ type: none }}
"""


def fixture_files():
    """(path under the fixture root, content or ('link', target)) for a host whose GPU
    functions share IOMMU group 12 and are bound to vfio-pci already."""
    files = {"sys/bus/pci/drivers/vfio-pci/new_id": "", "sys/bus/pci/drivers_probe": "",
             f"etc/ezkvm/{VM}.yaml": FIXTURE_VM, f"etc/ezkvm/{ORDER_VM}.yaml": FIXTURE_VM}
    for address, pci_class in zip(GPU, ("0x030000", "0x040300")):
        dev = f"sys/bus/pci/devices/{address}"
        files[f"{dev}/class"] = pci_class + "\n"
        files[f"{dev}/driver_override"] = "vfio-pci\n"
        files[f"{dev}/driver"] = ("link", "../../drivers/vfio-pci")
        files[f"{dev}/iommu_group"] = ("link", "../../../../kernel/iommu_groups/12")
        files[f"sys/kernel/iommu_groups/12/devices/{address}"] = ("link", f"../../../../bus/pci/devices/{address}")
    return files


def make_fixture(box):
    for relative, content in fixture_files().items():
        path = f"{FIXTURE}/{relative}"
        if isinstance(content, tuple):
            box.run(["mkdir", "-p", os.path.dirname(path)])
            box.run(["ln", "-s", content[1], path])
        else:
            box.write_file(path, content)


def values(box, unit, name):
    return prop(box, unit, name).split()


def check_setup(checks, box):
    box.run(["systemd-sysusers"])
    box.run(["systemd-tmpfiles", "--create"])
    box.write_file(f"/etc/ezkvm/{VM}.yaml", EXAMPLE.read_text())
    box.write_file(f"/etc/ezkvm/{ORDER_VM}.yaml", FIXTURE_VM)
    box.write_file("/etc/systemd/system/ezkvm-vfio@.service.d/50-test-fixture.conf", VFIO_DROPIN)
    make_fixture(box)
    box.systemctl("daemon-reload")
    generated = box.run("cd /run/systemd/generator && find . -name 50-ezkvm.conf | sort", check=False).stdout
    checks.check(f"the generator wrote {VM_UNIT}'s drop-in", f"./{VM_UNIT}.d/50-ezkvm.conf" in generated, generated)


def verifiable(unit):
    """systemd-analyze 252 verify fails on any unit name holding a ':' ("Couldn't process
    aliases"), though systemd itself loads and starts them: the vfio units are verified
    under the same instance with ':' escaped, which loads the same template."""
    return unit.replace(":", "\\x3a")


def check_verify(checks, box):
    for unit in [VM_UNIT, f"ezkvm-swtpm@{VM}.service", f"ezkvm-swtpm@{VM}.socket"] + [verifiable(u) for u in VFIO_UNITS]:
        result = box.run(["systemd-analyze", "verify", "--man=no", "--generators=yes", unit], check=False)
        output = result.stdout + result.stderr
        own = [line for line in output.splitlines() if "ezkvm" in line and "ezkvm-generator" not in line]
        checks.check(f"systemd-analyze verify {unit}", result.returncode == 0 and not own,
                     f"exit {result.returncode}: {output}")


def check_dependencies(checks, box):
    requires, after = values(box, VM_UNIT, "Requires"), values(box, VM_UNIT, "After")
    for unit in VFIO_UNITS:
        checks.check(f"{VM_UNIT} Requires={unit}", unit in requires, requires)
        checks.check(f"{VM_UNIT} After={unit}", unit in after, after)
    listed = box.systemctl("list-dependencies", "--after", "--plain", "--no-pager", VM_UNIT, check=False).stdout
    checks.check("list-dependencies --after shows the vfio units", all(u in listed for u in VFIO_UNITS), listed)
    allowed = prop(box, VM_UNIT, "DeviceAllow")
    for device in ("/dev/vfio/vfio rw", "char-vfio rw", "char-usb_device rw", "/dev/kvmfr0 rw"):
        checks.check(f"DeviceAllow= has {device}", device in allowed, allowed)
    memlock = prop(box, VM_UNIT, "LimitMEMLOCK")
    checks.check("LimitMEMLOCK=infinity for the passthrough VM", memlock == "infinity", memlock)
    needed = prop(box, VFIO_UNITS[0], "StopWhenUnneeded")
    checks.check("the vfio units stop when no VM needs them", needed == "yes", needed)
    root = prop(box, VFIO_UNITS[0], "Environment")
    checks.check("the test drop-in points the vfio unit at the fixture", f"EZKVM_ROOT={FIXTURE}" in root, root)


def check_vfio_alone(checks, box):
    unit = VFIO_UNITS[0]
    result = box.systemctl("start", unit, check=False, timeout=60)
    journal = box.journal(unit)
    if not checks.check(f"systemctl start {unit} on the fixture host", result.returncode == 0,
                        f"{result.stderr}\n{journal}"):
        return
    checks.check("vfio-bind found the device on vfio-pci already", f"{GPU[0]} is on vfio-pci already" in journal,
                 journal)
    box.systemctl("stop", unit, check=False, timeout=60)
    checks.check(f"{unit} stops", prop(box, unit, "ActiveState") == "inactive")
    journal = box.journal(unit)
    checks.check("vfio-release leaves a device that was on vfio-pci before ezkvm there",
                 "left there" in journal, journal)


def timestamp(box, unit, name):
    text = prop(box, unit, name)
    return int(text) if text.isdigit() else 0


def check_start_order(checks, box):
    result = box.systemctl("start", ORDER_UNIT, check=False, timeout=120)
    journal = box.journal(ORDER_UNIT)
    checks.check(f"systemctl start {ORDER_UNIT} fails: the container's own sysfs has no such GPU",
                 result.returncode != 0, f"{result.stderr}\n{journal}")
    checks.check("prepare refused the start", f"no PCI device {GPU[0]} on this host" in journal, journal[-2000:])
    first_command = timestamp(box, ORDER_UNIT, "InactiveExitTimestampMonotonic")
    for unit in VFIO_UNITS:
        started = timestamp(box, unit, "ActiveEnterTimestampMonotonic")
        checks.check(f"starting the VM started {unit} before the VM's first command (Requires=, After=)",
                     0 < started <= first_command, f"{unit} active at {started}, the VM's first command at {first_command}")
    stopped = wait_until(lambda: all(prop(box, u, "ActiveState") == "inactive" for u in VFIO_UNITS), 30)
    checks.check("StopWhenUnneeded= stops the vfio units once the VM failed", stopped,
                 {u: prop(box, u, "ActiveState") for u in VFIO_UNITS})
    released = box.journal(VFIO_UNITS[1])
    checks.check("vfio-release ran for the second function", "left there" in released, released)


def steps(checks, box, times):
    if run_step(checks, "setup", lambda: check_setup(checks, box)):
        run_step(checks, "verify", lambda: check_verify(checks, box))
        run_step(checks, "dependencies", lambda: check_dependencies(checks, box))
        run_step(checks, "vfio unit alone", lambda: check_vfio_alone(checks, box))
        run_step(checks, "start order", lambda: check_start_order(checks, box))


def main():
    return run_installed(__doc__, steps)

if __name__ == "__main__":
    sys.exit(main())
