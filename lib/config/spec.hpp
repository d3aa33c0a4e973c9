#pragma once
// VmSpec: the typed, validated form of one VM. Everything downstream (qemu
// argv, units, helpers) trusts it: names are safe, paths absolute, values in
// range, and no string holds a newline or NUL.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.hpp"

namespace ezkvm::config {

enum class Accel { Auto, Kvm, Tcg };
enum class Chipset { Q35, I440fx };
enum class FirmwareType { Ovmf, Seabios };
enum class Rtc { Utc, LocalTime };
enum class TpmType { None, Swtpm };
enum class TpmVersion { V2_0, V1_2 };
enum class TpmInterface { Tis, Crb };

struct General {
    std::string name;                 // the file name without .yaml
    std::string description;          // free text, may be empty
    std::string template_name;        // empty: none
    bool agent = false;               // qemu guest agent channel
    bool monitor = false;             // human monitor socket
    bool autostart = false;
    std::string user;                 // empty: the default VM user
    Accel accel = Accel::Auto;
    unsigned stop_timeout = 120;      // seconds
};

struct Chip {
    Chipset type = Chipset::Q35;
    std::string version;              // "8.1"; empty: unversioned alias
    bool pin = false;                 // the guest needs a pinned version (check warns without)
};

struct Bios {
    FirmwareType type = FirmwareType::Ovmf;
    std::string uuid;                 // SMBIOS system UUID, lower case; empty: derived from name
    std::string file;                 // OVMF vars store (file or block device); empty: state dir copy
    bool secure_boot = false;
};

struct Cpu {
    std::string model;                // empty: host under kvm, max otherwise
    unsigned sockets = 1;
    unsigned cores = 1;
    unsigned threads = 1;
    std::vector<std::string> flags;   // each one "+aes", "-x", "name=value", "enforce"
};

struct Memory {
    uint64_t mib = 1024;
    bool balloon = true;
    bool free_page_reporting = false; // the balloon reports freed guest pages to the host
    unsigned hugepage_mib = 0;        // 0: normal pages; 2 or 1024 (hugetlb, preallocated)
    bool shared = false;              // shareable RAM (virtiofs, vhost-user)
};

struct Tpm {
    TpmType type = TpmType::None;
    TpmVersion version = TpmVersion::V2_0;
    std::string disk;                 // state file/block device; empty: state dir
    std::string socket;               // swtpm socket path; empty: runtime dir
    std::optional<TpmInterface> interface;  // unset: CRB for 2.0 on q35, else TIS
};

struct Kernel {
    std::string image;                // empty: no direct kernel boot
    std::string initrd;
    std::string cmdline;
};

// The firmware's boot policy (-boot).
struct BootPolicy {
    bool menu = false;                // the firmware's boot menu
    bool strict = false;              // only the devices with a boot index
    std::optional<unsigned> reboot_timeout;  // seconds; unset: no reboot when nothing boots
};

struct System {
    Chip chipset;
    Bios bios;
    Cpu cpu;
    Memory memory;
    Tpm tpm;
    std::string applesmc_osk;         // empty: no applesmc
    Kernel kernel;
    Rtc rtc = Rtc::Utc;
    bool hyperv = false;              // Hyper-V enlightenments
    bool hpet = true;                 // the machine's HPET
    std::string vmgenid;              // VM generation ID (UUID, lower case); empty: none
    BootPolicy boot;
};

// Device models used where an item does not name one (set by templates).
struct DeviceDefaults {
    std::string disk = "virtio-blk";          // a StorageDrive model name
    std::string cdrom = "ide-cd";
    std::string scsi_controller = "virtio-scsi";
    std::string nic = "virtio-net-pci";
};

struct Spice {
    bool enabled = false;             // the section is present (or a display needs it)
    std::string addr;                 // TCP listen address; empty with port 0: unix socket
    unsigned port = 0;
    std::string path;                 // unix socket; empty: runtime dir default
    bool gl = false;
    std::string render_node;          // /dev/dri/renderD128; empty: qemu's choice
    std::string password_file;
    std::string password_credential;  // systemd credential name
    unsigned tls_port = 0;            // TCP port for TLS; 0: none
    std::string x509_dir;             // ca-cert.pem, server-cert.pem, server-key.pem (with tls_port)
};

struct Vnc {
    bool enabled = false;             // the section is present (or display type vnc)
    std::string addr;
    unsigned port = 0;                // 5900 + display; 0: unix socket
    std::string path;
    std::string password_file;
    std::string password_credential;
};

struct PciFunction {
    Pos pos;
    std::string host_id;              // "0000:03:00.0" (normalised, lower case)
    unsigned vm_slot = 0;             // from vm_id "slot.function"
    unsigned vm_function = 0;
    bool vm_id_given = false;
    bool multi_function = false;
    bool x_vga = false;
    bool force = false;               // pass it through although the host uses it (vfio/host_critical.hpp)
    std::string romfile;
};

enum class GpuType { None, Std, Qxl, VmwareSvga, Virtio, Passthrough };

struct Gpu {
    GpuType type = GpuType::Std;
    bool gl = false;                  // virtio: virtio-vga-gl
    bool pcie = false;                // place behind a PCIe root port
    std::vector<PciFunction> pci;     // passthrough only
};

enum class DisplayType { None, LookingGlass, RemoteViewer, Spice, Vnc, Gtk, Sdl };

struct LookingGlass {
    std::string path = "/dev/kvmfr0"; // /dev/kvmfr* or /dev/shm/<name>
    uint64_t size = 64ull << 20;      // bytes
    bool grab_keyboard = false;
    std::string escape_key;           // KEY_F12
    std::string window_size;          // "1707x1067"
    bool full_screen = false;
};

struct Display {
    DisplayType type = DisplayType::None;
    bool gl = false;                  // gtk/sdl
    LookingGlass looking_glass;
};

enum class AudioDevice { None, Hda, Ac97 };
enum class AudioBackend { None, Spice, PipeWire, PulseAudio, Alsa };
enum class AudioCodec { Duplex, Micro, Output };

struct Audio {
    AudioDevice device = AudioDevice::None;
    AudioBackend backend = AudioBackend::None;
    std::vector<AudioCodec> codecs{AudioCodec::Duplex};  // hda: one per codec address, in order
};

// Input devices besides the USB tablet: virtio-input on PCI.
struct Input {
    bool virtio_mouse = false;
    bool virtio_keyboard = false;
};

struct UsbHostDevice {
    Pos pos;
    std::string vm_port;              // "1" or "1.2"; empty: any
    std::string host_bus;             // by bus/port ...
    std::string host_port;            // "2.2"
    std::string vendor_id;            // ... or by id: 4 hex digits each, lower case
    std::string product_id;
};

enum class UsbController { Xhci, Ehci, None };

struct Usb {
    UsbController controller = UsbController::Xhci;
    std::optional<bool> tablet;       // unset: when the display is a pointer-based one
};

struct Host {
    std::vector<UsbHostDevice> usb;
    std::vector<PciFunction> pci;
};

// Drive models: where the drive attaches follows from the model.
enum class DriveModel {
    VirtioBlk,  // own PCI slot
    ScsiHd, ScsiCd,  // on a SCSI controller
    IdeHd, IdeCd,    // on the chipset's IDE/AHCI buses
    SataHd, SataCd,  // on an AHCI controller
    Nvme,            // own PCI slot
};

enum class ControllerModel { VirtioScsi, Pvscsi, Lsi, Sata, Ide };

enum class DriveFormat { Auto, Raw, Qcow2, Vmdk, Vdi, Vhdx };

struct Drive {
    Pos pos;
    DriveModel model = DriveModel::VirtioBlk;
    std::string file;                 // absolute path: image or block device; empty: a cdrom with no medium
    DriveFormat format = DriveFormat::Auto;
    std::string discard;              // "", "unmap", "ignore"
    std::string cache;                // "", "none", "writeback", "writethrough", "directsync", "unsafe"
    std::string detect_zeroes;        // "", "on", "off", "unmap"
    std::string aio;                  // "", "threads", "native", "io_uring"; empty: by cache mode
    bool iothread = false;            // virtio-blk: its own I/O thread
    unsigned queues = 0;              // virtio-blk request queues; 0: qemu's (one per vCPU)
    std::optional<unsigned> boot_index;
    std::string serial;
    bool readonly = false;            // cdroms are always read-only
    bool ssd = false;                 // report as non-rotational
    bool create = false;              // create the image on first start
    uint64_t size = 0;                // bytes, with create
};

// One controller and its drives. Flat storage items become drives of
// implicit groups (`implicit` = true) shared by all flat items of one kind.
struct StorageGroup {
    Pos pos;
    std::optional<ControllerModel> controller;  // unset: drives attach on their own (virtio-blk, nvme, chipset IDE)
    bool implicit = false;
    bool iothread = false;            // virtio-scsi: the controller's own I/O thread
    unsigned queues = 0;              // virtio-scsi request queues; 0: qemu's
    std::vector<Drive> drives;
};

enum class NetType { User, Bridge, Nat, Tap, Passt, Macvtap, None };

struct PortForward {
    std::string proto;                // "tcp" | "udp"
    std::string host_addr;            // empty: all addresses
    unsigned host_port = 0;
    unsigned guest_port = 0;
};

struct Nic {
    Pos pos;
    NetType type = NetType::Nat;      // the default network: ezkvm0
    std::string bridge;               // bridge / nat
    std::string driver;               // qemu NIC model; empty: devices.nic
    std::string mac;                  // "bc:24:11:3a:21:b7"; empty: derived
    std::string ifname;               // tap: existing tap; macvtap: parent NIC is `parent`
    std::string parent;
    std::vector<PortForward> forwards;
    std::optional<unsigned> boot_index;  // boot from this NIC (shares the drives' numbering)
    unsigned rx_queue_size = 0;       // virtio-net ring sizes; 0: qemu's default
    unsigned tx_queue_size = 0;
    std::optional<bool> vhost;        // tap/macvtap: vhost-net; unset: when the host has /dev/vhost-net
    unsigned queues = 1;              // tap/macvtap queue pairs (multiqueue virtio-net)
};

struct VmSpec {
    General general;
    System system;
    DeviceDefaults devices;
    Spice spice;
    Vnc vnc;
    Gpu gpu;
    Display display;
    Audio audio;
    Usb usb;
    Input input;
    Host host;
    std::vector<StorageGroup> storage;
    std::vector<Nic> network;
    bool serial = true;               // serial console socket
    std::vector<std::string> extra_args;
};

}  // namespace ezkvm::config
