#!/usr/bin/env python3
"""The PCI layout is stable: over every golden case (tests/cases/*.yaml), adding,
removing or reordering one device of a kind leaves every device of every other
kind at the same bus and addr.

Each case is read, changed in one way (a NIC, disk, controller, passed-through
function, sound card, balloon, agent channel, USB controller or display adapter
added or removed; an item of a list moved to its end), written under the case's
own name (MACs and serials derive from it) and planned with `ezkvm show`. Devices
are told apart by what stays theirs when others come and go: a NIC by its MAC, a
disk by its file, a passed-through function by its host address, a single
device by its driver.

usage: stable_pci.py EZKVM
"""
import copy
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import FIXTURE_ROOT, environment  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases"

NICS = {"virtio-net-pci", "e1000", "e1000e", "rtl8139", "vmxnet3"}
CONTROLLERS = {"virtio-scsi-pci", "pvscsi", "lsi53c895a", "ahci"}
OWN_SLOT_DISKS = {"virtio-blk-pci", "nvme"}
SINGLE = {
    "VGA": "display", "qxl-vga": "display", "virtio-vga": "display", "virtio-vga-gl": "display",
    "vmware-svga": "display", "qemu-xhci": "usb", "usb-ehci": "usb", "virtio-balloon-pci": "balloon",
    "virtio-serial-pci": "virtio-serial", "ich9-intel-hda": "audio", "intel-hda": "audio", "AC97": "audio",
    "ivshmem-plain": "shared-memory", "virtio-mouse-pci": "input-mouse", "virtio-keyboard-pci": "input-keyboard",
}


def split_opts(text):
    """qemu's option syntax: ',' separates, ',,' is a literal comma."""
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == ",":
            if text[i + 1:i + 2] == ",":
                current += ","
                i += 2
                continue
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    parts.append(current)
    props = {}
    for p in parts[1:]:
        key, _, value = p.partition("=")
        props[key] = value
    return parts[0], props


def placed_devices(argv):
    """{(kind, identity): (bus, addr)} for every -device with an address on a PCI bus."""
    drives = {}
    devices = []
    for option, value in zip(argv, argv[1:]):
        if option == "-drive":
            head, props = split_opts("x," + value)
            if "id" in props:
                drives[props["id"]] = props.get("file")
        elif option == "-device":
            devices.append(split_opts(value))
    behind = {props.get("bus"): driver for driver, props in devices}
    placed = {}
    for driver, props in devices:
        if "addr" not in props:
            continue
        if driver in NICS:
            key = ("nic", props.get("mac"))
        elif driver in CONTROLLERS:
            key = ("storage-controller", props.get("id"))
        elif driver in OWN_SLOT_DISKS:
            key = ("disk", drives.get(props.get("drive")))
        elif driver == "vfio-pci":
            key = ("passthrough", props.get("host"))
        elif driver == "pcie-root-port":
            child = behind.get(props.get("id"))
            kind = SINGLE.get(child, "passthrough")  # an empty port keeps a passthrough slot's function 0
            key = (kind, "port " + props["id"] if kind == "passthrough" else "port")
        elif driver in SINGLE:
            key = (SINGLE[driver], driver)
        else:
            raise AssertionError(f"stable_pci.py does not know the PCI device {driver}")
        assert key not in placed, f"two devices identified as {key}"
        placed[key] = (props.get("bus"), props["addr"])
    return placed


def storage_kind(item):
    """The PCI kind a storage item brings: its controller, or its own slot."""
    if "controller" in item:
        return "storage-controller" if item["controller"] != "ide" else None
    model = str(item.get("type", ""))
    if model in ("virtio-blk", "nvme"):
        return "disk"
    if model.startswith(("scsi-", "sata-")):
        return "storage-controller"
    return "unknown"  # disk/cdrom: the template's device default decides


def changes(vm):
    """(description, changed kinds, new vm) for every one-device change of `vm`."""
    def changed(fn):
        new = copy.deepcopy(vm)
        fn(new)
        return new

    out = []
    extra_disk = {"type": "virtio-blk", "file": "/srv/stable/extra.raw", "format": "raw"}
    extra_nvme = {"type": "nvme", "file": "/srv/stable/extra-nvme.raw", "format": "raw"}
    scsi_group = {"controller": "virtio-scsi", "drives": [{"type": "hd", "file": "/srv/stable/s.raw", "format": "raw"}]}
    sata_group = {"controller": "sata", "drives": [{"type": "hd", "file": "/srv/stable/a.raw", "format": "raw"}]}
    out.append(("add a NIC", {"nic"}, changed(lambda v: v.setdefault("network", []).append(
        {"type": "user", "mac": "52:54:00:ab:cd:ef"}))))
    out.append(("add a virtio-blk disk", {"disk"}, changed(lambda v: v.setdefault("storage", []).append(extra_disk))))
    out.append(("add an nvme disk", {"disk"}, changed(lambda v: v.setdefault("storage", []).insert(0, extra_nvme))))
    out.append(("add a SCSI controller", {"storage-controller"},
                changed(lambda v: v.setdefault("storage", []).insert(0, scsi_group))))
    out.append(("add a SATA controller", {"storage-controller"},
                changed(lambda v: v.setdefault("storage", []).append(sata_group))))
    out.append(("pass a host function through", {"passthrough"},
                changed(lambda v: v.setdefault("host", {}).setdefault("pci", []).insert(0, {"host_id": "0000:0a:00.0"}))))
    out.append(("toggle the balloon", {"balloon"}, changed(lambda v: v.setdefault("system", {}).setdefault(
        "memory", {}).update(balloon=not v["system"]["memory"].get("balloon", True)))))
    out.append(("toggle the guest agent", {"virtio-serial"}, changed(lambda v: v.setdefault("general", {}).update(
        agent=not v["general"].get("agent", False)))))
    if "audio" in vm:
        out.append(("remove the sound card", {"audio"}, changed(lambda v: v.pop("audio"))))
    else:
        out.append(("add a sound card", {"audio"}, changed(lambda v: v.update(audio={"device": "hda", "backend": "pulseaudio"}))))
    for device in ("mouse", "keyboard"):
        out.append((f"toggle the virtio {device}", {f"input-{device}"}, changed(lambda v, d=device: v.setdefault(
            "input", {}).update({f"virtio_{d}": not v["input"].get(f"virtio_{d}", False)}))))
    out.append(("add a USB tablet", {"usb"}, changed(lambda v: v.setdefault("usb", {}).update(tablet=True))))
    out.append(("remove the USB controller", {"usb"}, changed(lambda v: v.setdefault("usb", {}).update(
        controller="none", tablet=False))))
    if vm.get("gpu", {}).get("type") != "passthrough":
        out.append(("remove the display adapter", {"display"}, changed(lambda v: v.update(gpu={"type": "none"}))))
    for section, kind_of in (("network", lambda item: "nic"), ("storage", storage_kind)):
        items = vm.get(section) or []
        for i, item in enumerate(items):
            kind = kind_of(item)
            if kind in (None, "unknown"):
                continue
            out.append((f"remove {section}[{i}]", {kind}, changed(lambda v, i=i: v[section].pop(i))))
            if len(items) > 1:
                out.append((f"move {section}[{i}] last", {kind},
                            changed(lambda v, i=i: v[section].append(v[section].pop(i)))))
    pci = (vm.get("host") or {}).get("pci") or []
    for i in range(len(pci)):
        out.append((f"remove host.pci[{i}]", {"passthrough"}, changed(lambda v, i=i: v["host"]["pci"].pop(i))))
    return out


def show(ezkvm, path, env):
    result = subprocess.run([ezkvm, "show", str(path)], capture_output=True, text=True, env=env)
    return result.stdout.splitlines() if result.returncode == 0 else None, result.stderr


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ezkvm = str(Path(argv[1]).resolve())
    failures, compared, refused = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="ezkvm-stable-pci-") as tmp:
        root = FIXTURE_ROOT
        work = Path(tmp) / "vm"
        work.mkdir()
        cases = sorted(CASES.glob("*.yaml"))
        for case in cases:
            env = environment(root, case.relative_to(REPO))
            vm = yaml.safe_load(case.read_text())
            target = work / case.name
            target.write_text(yaml.safe_dump(vm))
            before_argv, err = show(ezkvm, target, env)
            if before_argv is None:
                failures.append(f"{case.stem}: does not plan as written back: {err}")
                continue
            before = placed_devices(before_argv)
            for what, kinds, new in changes(vm):
                target.write_text(yaml.safe_dump(new))
                after_argv, err = show(ezkvm, target, env)
                if after_argv is None:
                    refused += 1  # e.g. a change this chipset or template does not allow
                    continue
                after = placed_devices(after_argv)
                compared += 1
                for key, where in before.items():
                    if key[0] in kinds or key not in after:
                        continue
                    if after[key] != where:
                        failures.append(f"{case.stem}: '{what}' moved {key[0]} {key[1]} from {where} to {after[key]}")
    for f in failures:
        print("FAIL", f)
    print(f"{len(cases)} cases, {compared} changed plans compared, {refused} changes refused by ezkvm")
    if compared < 10 * len(cases):
        print("FAIL: too few changes could be planned to show anything")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
