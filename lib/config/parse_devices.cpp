// devices (default models), gpu, audio and usb.
#include <fmt/format.h>

#include "config/parse_internal.hpp"

namespace ezkvm::config::detail {
namespace {

// The device names are kept as written: they are qemu's model names.
std::optional<std::string> model_name(const MapReader& r, const std::string& key, std::vector<std::string> names)
{
    Choices<std::string> choices;
    for (auto& n : names)
        choices.emplace_back(n, n);
    return r.choice(key, choices);
}

// `pcie: yes` or the seed's `pcie: { }`.
std::optional<bool> parse_pcie(const MapReader& gpu)
{
    const Node* node = gpu.get("pcie");
    if (node && node->is_map()) {
        if (!node->map.empty()) {
            gpu.error("pcie", "expected yes/no or an empty mapping { }, got a mapping with keys");
            return std::nullopt;
        }
        return true;
    }
    return gpu.boolean("pcie");
}

}  // namespace

DeviceDefaults parse_devices(const MapReader& root)
{
    const MapReader r = root.map("devices");
    DeviceDefaults d;
    assign(d.disk, model_name(r, "disk", {"virtio-blk", "scsi-hd", "ide-hd", "sata-hd", "nvme"}));
    assign(d.cdrom, model_name(r, "cdrom", {"ide-cd", "scsi-cd", "sata-cd"}));
    assign(d.scsi_controller, model_name(r, "scsi_controller", {"virtio-scsi", "pvscsi", "lsi"}));
    assign(d.nic, model_name(r, "nic", {"virtio-net-pci", "e1000", "e1000e", "rtl8139", "vmxnet3"}));
    return d;
}

Gpu parse_gpu(const MapReader& root, PciSeen& seen)
{
    const MapReader r = root.map("gpu");
    Gpu gpu;
    bool vga_gl = false;
    const auto type = r.choice<GpuType>("type", {{"std", GpuType::Std},
                                               {"qxl", GpuType::Qxl},
                                               {"vmware-svga", GpuType::VmwareSvga},
                                               {"virtio", GpuType::Virtio},
                                               {"virtio-vga-gl", GpuType::Virtio},
                                               {"passthrough", GpuType::Passthrough},
                                               {"none", GpuType::None}});
    const bool type_known = type || !r.get("type");  // a bad type is reported once, not per key
    if (type) {
        gpu.type = *type;
        vga_gl = r.str("type") == "virtio-vga-gl";
        gpu.gl = vga_gl;
    }
    if (auto gl = r.boolean("gl")) {
        if (gpu.type != GpuType::Virtio) {
            if (type_known)
                r.error("gl", "gl works with the virtio GPU only", "set gpu.type: virtio or remove gpu.gl");
        } else if (vga_gl && !*gl)
            r.error("gl", "virtio-vga-gl always uses GL", "use gpu.type: virtio for a virtio GPU without GL");
        else
            gpu.gl = *gl;
    }
    assign(gpu.pcie, parse_pcie(r));
    const Node* pci = r.get("pci");
    const bool has_pci = pci != nullptr;
    if (gpu.type == GpuType::Passthrough) {
        gpu.pci = parse_pci_functions(r, "pci", seen);
        if (!pci || (pci->is_seq() && pci->seq.empty()))
            r.error(pci ? "pci" : "type", "passthrough needs the host's GPU functions in gpu.pci",
                    "add pci: [ { host_id: \"0000:03:00.0\" } ]");
    } else if (has_pci && type_known) {
        r.error("pci", "gpu.pci is only used with gpu.type: passthrough",
                "for other host PCI devices use host.pci");
    }
    return gpu;
}

Audio parse_audio(const MapReader& root, bool spice_enabled)
{
    const MapReader r = root.map("audio");
    Audio audio;
    assign(audio.device, r.choice<AudioDevice>("device", {{"none", AudioDevice::None},
                                                          {"hda", AudioDevice::Hda},
                                                          {"ac97", AudioDevice::Ac97}}));
    const auto backend = r.choice<AudioBackend>("backend", {{"none", AudioBackend::None},
                                                            {"spice", AudioBackend::Spice},
                                                            {"pipewire", AudioBackend::PipeWire},
                                                            {"pulseaudio", AudioBackend::PulseAudio},
                                                            {"alsa", AudioBackend::Alsa}});
    const bool backend_written = r.get("backend") != nullptr;
    const bool backend_invalid = backend_written && !backend;  // already reported
    if (backend)
        audio.backend = *backend;
    else if (!backend_written && audio.device != AudioDevice::None && spice_enabled)
        audio.backend = AudioBackend::Spice;
    if (audio.backend == AudioBackend::Spice && !spice_enabled)
        r.error("backend", "the spice audio backend needs SPICE",
                "add a spice section or use pipewire, pulseaudio or alsa");
    if (audio.device != AudioDevice::None && audio.backend == AudioBackend::None && !backend_invalid)
        r.error(backend_written ? "backend" : "device", "an audio device needs a backend",
                "set audio.backend: pipewire, pulseaudio or alsa (or spice with SPICE enabled)");
    return audio;
}

Usb parse_usb(const MapReader& root)
{
    const MapReader r = root.map("usb");
    Usb usb;
    assign(usb.controller, r.choice<UsbController>("controller", {{"xhci", UsbController::Xhci},
                                                                  {"ehci", UsbController::Ehci},
                                                                  {"none", UsbController::None}}));
    usb.tablet = r.boolean("tablet");
    if (usb.tablet.value_or(false) && usb.controller == UsbController::None)
        r.error("tablet", "a USB tablet needs a USB controller", "set usb.controller: xhci or tablet: no");
    return usb;
}

}  // namespace ezkvm::config::detail
