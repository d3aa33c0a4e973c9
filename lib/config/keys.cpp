#include "config/keys.hpp"

#include <stdexcept>

namespace ezkvm::config {
namespace {

// The options of a drive, flat in storage[] or in a group's drives[] (each with a type of its own).
const std::vector<Key> drive_options{
            {"file", KeyType::Path, "", "the disk image or block device, such as /dev/vm1/<vm>-boot"},
            {"format", KeyType::Choice, "", "the image format"},
            {"discard", KeyType::Choice, "", "pass the guest's discard requests on (on = unmap) or drop them (off = ignore)"},
            {"cache", KeyType::Choice, "", "the host cache mode"},
            {"detect_zeroes", KeyType::Choice, "", "turn writes of zeroes into zero writes (on) or discards (unmap, needs discard: unmap)"},
            {"aio", KeyType::Choice, "", "how qemu submits the drive's I/O: threads, native (Linux AIO, needs an O_DIRECT cache mode) or io_uring"},
            {"boot_index", KeyType::Number, "", "boot order; each index may be used once"},
            {"serial", KeyType::String, "", "the drive's serial number, 1 to 20 letters, digits, ., _, -"},
            {"readonly", KeyType::Bool, "no", "attach read-only"},
            {"ssd", KeyType::Bool, "no", "report the drive as non-rotational"},
            {"create", KeyType::Bool, "no", "create the image on first start if it does not exist"},
            {"size", KeyType::Size, "", "the size of a created image; only with create: yes"}};

// Of the device that has the virtqueues: a virtio-blk flat drive or a virtio-scsi group.
const Key iothread{"iothread", KeyType::Bool, "no", "serve the requests in an I/O thread of their own instead of qemu's main loop"};
const Key queues{"queues", KeyType::Number, "", "the request queues, 1 to 64; default: qemu's, one per vCPU"};

// A flat drive also has what a controller group has on its controller.
std::vector<Key> flat_drive_options()
{
    std::vector<Key> keys = drive_options;
    keys.insert(keys.end(), {iothread, queues});
    return keys;
}

const std::vector<Key> pci_function{
            {"host_id", KeyType::String, "", "the host function, \"0000:03:00.0\" or \"03:00.0\" (stored as 0000:03:00.0, lower case); see lspci -D"},
            {"vm_id", KeyType::String, "", "where the function appears in the guest: hex slot 0 to 1f, function 0 to 7, such as \"0.0\" and \"0.1\" for two functions of one card"},
            {"multi_function", KeyType::Bool, "no", "mark the guest slot as multi-function (set it on function 0)"},
            {"x_vga", KeyType::Bool, "no", "make the function the guest's primary VGA device (x-vga=on)"},
            {"force", KeyType::Bool, "no", "pass it through although the host uses it: its disks are mounted, swap or held, it is the driven boot display, or it carries the default route"},
            {"romfile", KeyType::Path, "", "an option ROM image to use instead of the device's own"}};

std::vector<Key> with_type(Key type, const std::vector<Key>& options)
{
    std::vector<Key> keys{std::move(type)};
    keys.insert(keys.end(), options.begin(), options.end());
    return keys;
}

// "storage[2].drives[0]" -> "storage[].drives[]"
std::string pattern_of(std::string_view path)
{
    std::string out;
    bool in_index = false;
    for (char c : path) {
        if (c == '[') {
            in_index = true;
            out += "[]";
        } else if (c == ']') {
            in_index = false;
        } else if (!in_index) {
            out += c;
        }
    }
    return out;
}

}  // namespace

const std::vector<KeySection>& key_table()
{
    static const std::vector<KeySection> table{
        {"", "",
            {{"general", KeyType::Map, "", "what the VM is and how it runs: name, template, user, accelerator, autostart"},
             {"system", KeyType::Map, "", "the machine: chipset, firmware, CPUs, memory, TPM, kernel, clock"},
             {"devices", KeyType::Map, "", "the default models of disks, cdroms, SCSI controllers and NICs"},
             {"spice", KeyType::Map, "", "a SPICE server for the display"},
             {"vnc", KeyType::Map, "", "a VNC server for the display"},
             {"gpu", KeyType::Map, "", "the graphics device"},
             {"display", KeyType::Map, "", "how the user sees the VM"},
             {"audio", KeyType::Map, "", "the sound card and where its sound goes"},
             {"usb", KeyType::Map, "", "the USB controller and tablet"},
             {"input", KeyType::Map, "", "virtio input devices: a mouse and a keyboard without USB emulation"},
             {"host", KeyType::Map, "", "host USB and PCI devices given to the VM"},
             {"storage", KeyType::List, "", "the drives: each item a drive of its own or a controller group"},
             {"network", KeyType::List, "", "the NICs, each in a PCI slot of its own"},
             {"serial", KeyType::Bool, "yes", "a serial console on a socket in the VM's runtime directory, for ezkvm console"},
             {"extra_args", KeyType::List, "", "arguments passed to qemu unchecked, after everything else"},
             {"extras", KeyType::List, "", "the original tool's name for extra_args"}}},
        {"general", "",
            {{"name", KeyType::String, "", "the VM's name"},
             {"description", KeyType::String, "", "free text for whoever reads the file"},
             {"template", KeyType::String, "", "the OS template to build on (lower-case letters, digits, ., _, -; starting with a letter or digit), such as windows-11 or linux"},
             {"agent", KeyType::Bool, "no", "add a QEMU guest-agent channel (virtio-serial port org.qemu.guest_agent.0) with its socket in the VM's runtime directory"},
             {"monitor", KeyType::Bool, "no", "add a human monitor socket besides the QMP socket ezkvm always uses"},
             {"autostart", KeyType::Bool, "no", "start the VM at boot (the generator links the unit into multi-user.target)"},
             {"user", KeyType::String, "", "the user qemu and its helpers run as: lower-case letters, digits, _ and -, starting with a letter or _, optionally ending in $, at most 32 characters"},
             {"accel", KeyType::Choice, "auto", "the accelerator (-accel)"},
             {"stop_timeout", KeyType::Duration, "120", "how long a graceful shutdown (ACPI power button) may take before qemu is stopped hard; 1 second to 1 hour"}}},
        {"system", "",
            {{"chipset", KeyType::Map, "", "the machine type and version (or just the type)"},
             {"bios", KeyType::Map, "", "the firmware"},
             {"cpu", KeyType::Map, "", "the CPU model, topology and flags"},
             {"memory", KeyType::Map, "", "the guest memory"},
             {"tpm", KeyType::Map, "", "a software TPM"},
             {"applesmc", KeyType::Map, "", "the Apple SMC macOS guests check for"},
             {"kernel", KeyType::Map, "", "direct kernel boot"},
             {"rtc", KeyType::Choice, "utc", "what the guest's clock shows (-rtc base=)"},
             {"hyperv", KeyType::Bool, "no", "Hyper-V enlightenments for Windows guests (the hv_* CPU flags)"},
             {"hpet", KeyType::Bool, "yes", "the machine's high precision event timer; no turns it off (-machine hpet=off)"},
             {"vmgenid", KeyType::String, "", "a VM generation ID device (-device vmgenid) with this GUID, so the guest can tell it was restored or cloned"},
             {"boot", KeyType::Map, "", "the firmware's boot policy: menu, strict, reboot timeout"}}},
        {"system.chipset", "",
            {{"type", KeyType::Choice, "q35", "the machine (-machine q35, -machine pc)"},
             {"version", KeyType::String, "", "pins the machine version (pc-q35-8.1), which Windows guests need to stay stable across QEMU upgrades; quote it (\"8.1\")"},
             {"pin", KeyType::Bool, "no", "the guest cares about its machine version: ezkvm check warns while version is unset (ezkvm pin writes it)"}}},
        {"system.bios", "",
            {{"type", KeyType::Choice, "ovmf", "UEFI or legacy BIOS firmware"},
             {"uuid", KeyType::String, "", "the SMBIOS system UUID, 8-4-4-4-12 hex digits (stored in lower case; -uuid)"},
             {"file", KeyType::Path, "", "the VM's UEFI variable store, an image file or a block device such as /dev/vm1/<vm>-efidisk"},
             {"secure_boot", KeyType::Bool, "no", "use the Secure Boot firmware build with pre-enrolled keys"}}},
        {"system.cpu", "",
            {{"model", KeyType::String, "", "the CPU model (-cpu), letters, digits, ., _, -, such as host, max, qemu64 or Haswell-noTSX"},
             {"sockets", KeyType::Number, "1", "the number of CPU sockets; sockets x cores x threads vCPUs, at most 255"},
             {"cores", KeyType::Number, "1", "cores per socket"},
             {"threads", KeyType::Number, "1", "threads per core"},
             {"flags", KeyType::List, "", "extra CPU flags, either one string split on commas (\"+aes,+pni,enforce\") or a list"}}},
        {"system.memory", "",
            {{"max", KeyType::Size, "1024", "at least 16 MiB and a whole number of MiB (-m)"},
             {"balloon", KeyType::Bool, "yes", "add a virtio-balloon-pci device"},
             {"free_page_reporting", KeyType::Bool, "no", "the balloon reports pages the guest freed, so the host can take them back; needs balloon: yes"},
             {"hugepages", KeyType::Choice, "no", "back the RAM with preallocated hugepages: yes (2M), no, 2M or 1G"},
             {"shared", KeyType::Bool, "no", "make the RAM shareable (a memfd with share=on), as virtiofs and vhost-user need"}}},
        {"system.tpm", "",
            {{"type", KeyType::Choice, "none", "swtpm: a software TPM in its own unit"},
             {"version", KeyType::Choice, "2.0", "the TPM version (2 is the same as 2.0)"},
             {"disk", KeyType::Path, "", "the TPM state: a file or block device"},
             {"socket", KeyType::Path, "", "swtpm's socket"},
             {"interface", KeyType::Choice, "", "how the guest talks to the TPM: tpm-tis or tpm-crb (crb needs q35 and version 2.0)"}}},
        {"system.boot", "",
            {{"menu", KeyType::Bool, "no", "the firmware shows its boot menu (-boot menu=on)"},
             {"strict", KeyType::Bool, "no", "boot only from devices with a boot_index (-boot strict=on)"},
             {"reboot_timeout", KeyType::Duration, "", "when nothing boots, the firmware reboots after this time, 0 to 65 seconds (-boot reboot-timeout)"}}},
        {"system.applesmc", "",
            {{"osk", KeyType::String, "", "the 64-character Apple SMC key macOS guests need; adds an isa-applesmc device"}}},
        {"system.kernel", "",
            {{"image", KeyType::Path, "", "direct kernel boot (-kernel)"},
             {"initrd", KeyType::Path, "", "the initrd for direct kernel boot (-initrd); needs image"},
             {"cmdline", KeyType::String, "", "the kernel command line for direct kernel boot (-append); needs image"}}},
        {"devices", "",
            {{"disk", KeyType::Choice, "virtio-blk", "the model of storage items of type: disk"},
             {"cdrom", KeyType::Choice, "ide-cd", "the model of storage items of type: cdrom"},
             {"scsi_controller", KeyType::Choice, "virtio-scsi", "the controller flat scsi-hd/scsi-cd items share"},
             {"nic", KeyType::Choice, "virtio-net-pci", "the model of network items without a driver"}}},
        {"gpu", "",
            {{"type", KeyType::Choice, "std", "the graphics device: VGA, qxl-vga, vmware-svga, virtio-vga (or virtio-vga-gl), host GPU functions through vfio-pci, or none"},
             {"gl", KeyType::Bool, "no", "virgl 3D acceleration; only with type: virtio"},
             {"pcie", KeyType::Bool, "no", "place the GPU behind a PCIe root port"},
             {"pci", KeyType::List, "", "the host GPU's functions; required with, and only allowed with, type: passthrough"}}},
        {"gpu.pci[]", "", pci_function},
        {"display", "",
            {{"type", KeyType::Choice, "none", "how the user sees the VM"},
             {"gl", KeyType::Bool, "", "GL for the local window; only with gtk and sdl"},
             {"device", KeyType::Map, "", "the looking-glass shared memory"},
             {"input", KeyType::Map, "", "looking-glass-client input settings"},
             {"window", KeyType::Map, "", "looking-glass-client window settings"}}},
        {"display.device", "",
            {{"path", KeyType::Path, "/dev/kvmfr0", "/dev/kvmfr<N> (the kvmfr module's device) or /dev/shm/<name>"},
             {"size", KeyType::Size, "64M", "a power of two in MiB, such as 32M, 64M, 128M"}}},
        {"display.input", "",
            {{"grab_keyboard", KeyType::Bool, "", "a setting for looking-glass-client"},
             {"escape_key", KeyType::String, "", "KEY_[A-Z0-9_]+, such as KEY_F12; a setting for looking-glass-client"}}},
        {"display.window", "",
            {{"size", KeyType::String, "", "such as 1707x1067; a setting for looking-glass-client"},
             {"full_screen", KeyType::Bool, "", "a setting for looking-glass-client"}}},
        {"spice", "",
            {{"addr", KeyType::String, "127.0.0.1", "the TCP address to listen on; needs port"},
             {"port", KeyType::Number, "", "listen on TCP instead: 1 to 65535 for SPICE, 5900 to 65535 for VNC (qemu's display number is port - 5900)"},
             {"path", KeyType::Path, "", "the unix socket to listen on"},
             {"gl", KeyType::Bool, "no", "GL acceleration: directly over a unix socket; over TCP through an EGL-headless display"},
             {"render_node", KeyType::Path, "", "the DRM render node for GL, such as /dev/dri/renderD128; needs gl: yes"},
             {"password_file", KeyType::Path, "", "a file holding the connection password, passed to qemu as a secret object"},
             {"password_credential", KeyType::String, "", "the name of a systemd credential (letters, digits, _, ., -) holding the password"},
             {"tls_port", KeyType::Number, "", "a TCP port for SPICE over TLS, besides port or instead of it; needs x509_dir"},
             {"x509_dir", KeyType::Path, "", "the directory holding ca-cert.pem, server-cert.pem and server-key.pem for tls_port"}}},
        {"vnc", "",
            {{"addr", KeyType::String, "127.0.0.1", "the TCP address to listen on; needs port"},
             {"port", KeyType::Number, "", "listen on TCP instead: 1 to 65535 for SPICE, 5900 to 65535 for VNC (qemu's display number is port - 5900)"},
             {"path", KeyType::Path, "", "the unix socket to listen on"},
             {"password_file", KeyType::Path, "", "a file holding the connection password, passed to qemu as a secret object"},
             {"password_credential", KeyType::String, "", "the name of a systemd credential (letters, digits, _, ., -) holding the password"}}},
        {"audio", "",
            {{"device", KeyType::Choice, "none", "the guest's sound card (ich9-intel-hda on q35, intel-hda on i440fx, with hda-duplex; or AC97)"},
             {"backend", KeyType::Choice, "", "where the sound goes (-audiodev)"},
             {"codecs", KeyType::List, "[duplex]", "the codecs on the hda controller (duplex, micro, output), at codec addresses 0, 1, ... in order"}}},
        {"usb", "",
            {{"controller", KeyType::Choice, "xhci", "the USB controller (qemu-xhci, usb-ehci)"},
             {"tablet", KeyType::Bool, "", "a USB tablet for absolute pointer positions"}}},
        {"input", "",
            {{"virtio_mouse", KeyType::Bool, "no", "a virtio-mouse-pci device: a relative mouse without USB emulation"},
             {"virtio_keyboard", KeyType::Bool, "no", "a virtio-keyboard-pci device"}}},
        {"host", "",
            {{"usb", KeyType::List, "", "host USB devices, by where they are plugged in or by their id"},
             {"pci", KeyType::List, "", "other host PCI devices to pass through: USB controllers, NICs, disks"}}},
        {"host.usb[]", "",
            {{"vm_port", KeyType::String, "", "the guest port (\"1\", or \"1.2\" for port 2 of a hub on port 1); default: any free port"},
             {"host_bus", KeyType::Number, "", "the host bus the device is plugged into"},
             {"host_port", KeyType::String, "", "the port on that bus, such as \"2.2\""},
             {"id", KeyType::String, "", "vendor:product, 4 hex digits each, such as \"046d:c52b\" (stored in lower case)"},
             {"vendor_id", KeyType::String, "", "the original tool's spelling of id: the vendor's 4 hex digits, with product_id"},
             {"product_id", KeyType::String, "", "the product's 4 hex digits, with vendor_id"}}},
        {"host.pci[]", "", pci_function},
        {"storage[]", "", with_type({"type", KeyType::Choice, "disk", "the drive model; disk and cdrom take devices.disk and devices.cdrom"}, flat_drive_options())},  // a drive of its own
        {"storage[]", "group",
            {{"controller", KeyType::Choice, "", "the controller of the group's drives"},
             iothread, queues,
             {"drives", KeyType::List, "", "the drives on that controller, with the drive options below"}}},
        {"storage[].drives[]", "", with_type({"type", KeyType::Choice, "hd", "the controller's hard disk or cdrom model"}, drive_options)},
        {"network[]", "",
            {{"type", KeyType::Choice, "nat", "how the NIC reaches the host: NAT bridge, a bridge, user-mode, passt, a tap or a macvtap"},
             {"bridge", KeyType::String, "vmbr0 for bridge, ezkvm0 for nat", "the bridge to attach to; only for bridge and nat"},
             {"driver", KeyType::Choice, "", "the NIC model (virtio is short for virtio-net-pci)"},
             {"mac", KeyType::String, "", "such as \"BC:24:11:3A:21:B7\" or with - separators; stored in lower case with :"},
             {"forward", KeyType::List, "", "port forwards from the host into the guest, such as tcp:2222:22 or udp:127.0.0.1:5353:53"},
             {"ifname", KeyType::String, "", "the existing tap device; required for, and only used with, tap"},
             {"parent", KeyType::String, "", "the host NIC; required for, and only used with, macvtap"},
             {"boot_index", KeyType::Number, "", "boot from this NIC (PXE) in this place of the boot order, shared with the drives"},
             {"rx_queue_size", KeyType::Number, "", "the virtio-net receive ring size: 256, 512 or 1024; only for virtio-net-pci"},
             {"tx_queue_size", KeyType::Number, "", "the virtio-net transmit ring size: 256, 512 or 1024; only for virtio-net-pci"},
             {"vhost", KeyType::Bool, "yes when the host has /dev/vhost-net and KVM runs the VM", "vhost-net for nat, bridge, tap and macvtap: the kernel moves the packets, not qemu's main loop"},
             {"queues", KeyType::Number, "1", "queue pairs (multiqueue virtio-net) for nat, bridge, tap and macvtap, 1 to 64"}}},
    };
    return table;
}

std::vector<std::string> keys_of(std::string_view path, std::string_view form)
{
    const std::string pattern = pattern_of(path);
    for (const auto& section : key_table())
        if (section.path == pattern && section.form == form) {
            std::vector<std::string> names;
            for (const auto& key : section.keys)
                names.push_back(key.name);
            return names;
        }
    throw std::logic_error("no key table for '" + pattern + "'");
}

const char* type_name(KeyType type)
{
    switch (type) {
    case KeyType::Map: return "map";
    case KeyType::List: return "list";
    case KeyType::Bool: return "bool";
    case KeyType::Number: return "number";
    case KeyType::Size: return "size";
    case KeyType::Duration: return "duration";
    case KeyType::Path: return "path";
    case KeyType::Choice: return "choice";
    case KeyType::String: return "string";
    }
    return "?";
}

}  // namespace ezkvm::config
