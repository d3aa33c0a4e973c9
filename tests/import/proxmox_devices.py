#!/usr/bin/env python3
"""Key devices of imported VMs next to what Proxmox gives the same config.

Each expected fragment below is what qemu-server (github.com/proxmox/qemu-server)
puts on its command line for the config in tests/import/<case>.conf, with the place
in its source it comes from. The imported VM's own line (`ezkvm show --json`) must
give the same device: the same model and the same properties, leaving aside where
it sits (bus, addr, id) and how it is wired to its backend (drive, netdev, ...).
Every other difference must be one the import warned about: a "[gap-id]" in
tests/import/<case>.messages.

usage: proxmox_devices.py EZKVM
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "boot"))
from harness import Checks  # noqa: E402

# Where a device sits and what it is wired to: Proxmox's and ezkvm's names differ by design.
PLACEMENT = {"id", "bus", "addr", "netdev", "drive", "chardev", "tpmdev", "audiodev", "port"}

# (case, option, Proxmox's value, the property that finds ezkvm's counterpart, source)
EXPECTED = [
    ("win11-gpu", "-machine", "type=pc-q35-8.1+pve0", None,
     "PVE/QemuServer/Machine.pm get_vm_machine: a pinned version gets +pve0"),
    ("win11-gpu", "-cpu",
     "host,hv_ipi,hv_relaxed,hv_reset,hv_runtime,hv_spinlocks=0x1fff,hv_stimer,hv_synic,hv_time,hv_vapic,"
     "hv_vendor_id=proxmox,hv_vpindex,kvm=off,+kvm_pv_eoi,+kvm_pv_unhalt,+pcid,+spec-ctrl", None,
     "PVE/QemuServer/CPUConfig.pm get_cpu_options: get_pve_cpu_flags, get_hyperv_enlightenments (win11, "
     "x-vga passthrough: hv_vendor_id and kvm=off), the VM's flags, sorted by name"),
    ("win11-gpu", "-device", "vfio-pci,host=0000:01:00.0,id=hostpci0.0,bus=ich9-pcie-port-1,addr=0x0.0,"
     "multifunction=on", "host",
     "PVE/QemuServer/PCI.pm print_hostpci_devices: pcie=1 behind a root port; x-vga=on left out under OVMF"),
    ("win11-gpu", "-device", "vfio-pci,host=0000:01:00.1,id=hostpci0.1,bus=ich9-pcie-port-1,addr=0x0.1", "host",
     "PVE/QemuServer/PCI.pm print_hostpci_devices: the second function of a multi-function device"),
    ("win11-gpu", "-device", "virtio-net-pci,mac=BC:24:11:3A:21:B7,netdev=net0,bus=pci.0,addr=0x12,id=net0,"
     "rx_queue_size=1024,tx_queue_size=256,bootindex=102", "mac",
     "PVE/QemuServer.pm print_netdevice_full: queue sizes from machine 7.1, bootindex from boot: order="),
    ("win11-gpu", "-device", "tpm-tis,tpmdev=tpmdev", None,
     "PVE/QemuServer.pm config_to_command (tpmstate0): the TIS interface on x86"),
    ("win11-gpu", "-device", "vmgenid,guid=9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", None,
     "PVE/QemuServer.pm config_to_command: vmgenid"),
    ("win10-pvscsi", "-machine", "type=pc-i440fx-7.2+pve0", None, "PVE/QemuServer/Machine.pm get_vm_machine"),
    ("win10-pvscsi", "-cpu",
     "Skylake-Client-v4,enforce,hv_ipi,hv_relaxed,hv_reset,hv_runtime,hv_spinlocks=0x1fff,hv_stimer,hv_synic,"
     "hv_time,hv_vapic,hv_vpindex,+kvm_pv_eoi,+kvm_pv_unhalt,vendor=GenuineIntel", None,
     "PVE/QemuServer/CPUConfig.pm get_cpu_options: a named Intel model gets enforce and vendor=GenuineIntel"),
    ("win10-pvscsi", "-device", "pvscsi,id=scsihw0,bus=pci.0,addr=0x5", None,
     "PVE/QemuServer.pm config_to_command: the scsihw controller"),
    ("win10-pvscsi", "-device", "scsi-hd,bus=scsihw0.0,scsi-id=0,drive=drive-scsi0,id=scsi0,bootindex=100", "scsi-id",
     "PVE/QemuServer/DriveDevice.pm print_drivedevice_full: pvscsi takes the unit as scsi-id, no LUN"),
    ("win10-pvscsi", "-device", "vmxnet3,mac=BC:24:11:44:55:66,netdev=net0,bus=pci.0,addr=0x12,id=net0", "mac",
     "PVE/QemuServer.pm print_netdevice_full: not in boot: order=, so no bootindex"),
    ("win10-pvscsi", "-device", "tpm-tis,tpmdev=tpmdev", None, "PVE/QemuServer.pm config_to_command (tpmstate0)"),
    ("seabios-i440fx", "-cpu", "kvm64,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+lahf_lm,+sep", None,
     "PVE/QemuServer/CPUConfig.pm get_cpu_options: the default kvm64 (as in qemu-server's "
     "test/cfg2cmd/efi-secboot-and-tpm-q35.conf.cmd)"),
    ("seabios-i440fx", "-device", "e1000,mac=BC:24:11:BB:00:01,netdev=net0,bus=pci.0,addr=0x12,id=net0,"
     "bootindex=300", "mac", "PVE/QemuServer.pm print_netdevice_full: legacy boot order n -> 300"),
    ("usb-audio", "-device", "ich9-intel-hda,id=audiodev0,bus=pci.2,addr=0xc", None,
     "PVE/QemuServer.pm print_audio_device: the controller"),
    ("usb-audio", "-device", "hda-micro,id=audiodev0-codec0,bus=audiodev0.0,cad=0,audiodev=spice-backend0", None,
     "PVE/QemuServer.pm print_audio_device: codec 0"),
    ("usb-audio", "-device", "hda-duplex,id=audiodev0-codec1,bus=audiodev0.0,cad=1,audiodev=spice-backend0", None,
     "PVE/QemuServer.pm print_audio_device: codec 1"),
    ("lvm-thin", "-device", "virtio-balloon-pci,id=balloon0,bus=pci.0,addr=0x3,free-page-reporting=on", None,
     "PVE/QemuServer.pm config_to_command: free page reporting from machine 6.2"),
    ("linux-server", "-device", "virtio-net-pci,mac=BC:24:11:AA:00:02,netdev=net1,bus=pci.0,addr=0x13,id=net1,"
     "vectors=10,mq=on,packed=on,rx_queue_size=1024,tx_queue_size=256", "mac",
     "PVE/QemuServer.pm print_netdevice_full: queues=4 gives vectors=2*4+2, mq=on, packed=on from 7.1"),
]

# Differences with the gap that covers them (the import must have warned about it).
GAPS = {"vectors": "nic-queues", "mq": "nic-queues", "packed": "nic-queues"}


def props(value):
    parts = value.split(",")
    return parts[0], dict(p.split("=", 1) if "=" in p else (p, None) for p in parts[1:])


def show_json(ezkvm, case, tmp):
    text = (HERE / f"{case}.yaml").read_text()
    name = re.search(r"^  name: (\S+)$", text, re.M).group(1)
    vm = Path(tmp) / f"{name}.yaml"
    vm.write_text(text)
    root = Path(tmp) / "root"
    if not root.exists():
        (root / "etc").mkdir(parents=True)
        (root / "usr").symlink_to("/usr")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EZKVM_")}
    env.update(EZKVM_ROOT=str(root), EZKVM_TEMPLATES_DIR=str(REPO / "etc" / "templates"),
               EZKVM_RUNTIME_DIR="/run/ezkvm", EZKVM_STATE_DIR="/var/lib/ezkvm", EZKVM_HOST_CAPABILITIES="none")
    out = subprocess.run([ezkvm, "show", "--json", str(vm)], capture_output=True, text=True, env=env, check=True)
    argv = json.loads(out.stdout)
    return list(zip(argv[1::], argv[2::]))


def counterpart(pairs, option, model, key, value):
    for opt, v in pairs:
        if opt != option:
            continue
        if option != "-device":
            return v
        m, p = props(v)
        if key is None and m == model:
            return v
        if key and m == model and (p.get(key) or "").lower() == (value or "").lower():
            return v
    return None


def compare(checks, case, option, proxmox, key, source, pairs, warned):
    label = f"{case}: {option} {proxmox.split(',')[0]}"
    if option == "-machine":
        ours = counterpart(pairs, option, None, None, None).split(",")[0]
        theirs = proxmox.split("type=")[1].split("+pve")[0]
        return checks.check(f"{label} ({source})", ours == theirs, f"ezkvm {ours}, Proxmox {theirs}")
    if option == "-cpu":
        ours = counterpart(pairs, option, None, None, None)
        return checks.check(f"{label} ({source})", ours == proxmox, f"\n  ezkvm   {ours}\n  Proxmox {proxmox}")
    model, theirs = props(proxmox)
    ours_text = counterpart(pairs, option, model, key, theirs.get(key) if key else None)
    if ours_text is None:
        gap = GAPS.get(f"model:{model}")
        return checks.check(f"{label}: no such device, warned [{gap}] ({source})", gap in warned,
                            f"no {model} in ezkvm's command line and no warning")
    _, ours = props(ours_text)
    unexplained = []
    for prop in sorted(set(theirs) | set(ours)):
        if prop in PLACEMENT:
            continue
        a, b = theirs.get(prop), ours.get(prop)
        if prop == "lun" and (a or "0") == (b or "0"):
            continue
        if prop == "mac" and (a or "").lower() == (b or "").lower():
            continue
        if prop == "bootindex" and a is not None and b is not None:
            continue  # both boot from it; the numbers only order devices
        if a == b:
            continue
        if GAPS.get(prop) not in warned:
            unexplained.append(f"{prop}: Proxmox {a!r}, ezkvm {b!r}")
    return checks.check(f"{label} ({source})", not unexplained,
                        f"\n  ezkvm   {ours_text}\n  Proxmox {proxmox}\n  " + "\n  ".join(unexplained))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ezkvm = os.path.abspath(argv[1])
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="ezkvm-import-devices-") as tmp:
        shown = {}
        for case, option, proxmox, key, source in EXPECTED:
            if case not in shown:
                shown[case] = show_json(ezkvm, case, tmp)
            warned = set(re.findall(r"\[([a-z0-9-]+)\]", (HERE / f"{case}.messages").read_text()))
            compare(checks, case, option, proxmox, key, source, shown[case], warned)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
