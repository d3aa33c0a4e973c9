// devices (default models), gpu, audio, usb and input.
#include <fmt/format.h>

#include <algorithm>

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

// codecs: [micro, duplex]: the HDA codecs at addresses 0, 1, ... in order.
void parse_codecs(const MapReader& r, Audio& audio)
{
    auto names = r.str_list("codecs", 0);
    if (!names)
        return;
    if (audio.device != AudioDevice::Hda) {
        r.error("codecs", "codecs are the HDA controller's", "remove codecs or set device: hda");
        return;
    }
    // qemu's HDA bus has codec addresses 0 to 14.
    if (names->empty() || names->size() > 15) {
        r.error("codecs", fmt::format("expected 1 to 15 codecs, got {}", names->size()), "such as codecs: [duplex]");
        return;
    }
    const Choices<AudioCodec> kinds{{"duplex", AudioCodec::Duplex}, {"micro", AudioCodec::Micro},
                                    {"output", AudioCodec::Output}};
    std::vector<AudioCodec> codecs;
    for (const auto& name : *names) {
        auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == name; });
        if (kind == kinds.end()) {
            r.error("codecs", fmt::format("'{}' is not an HDA codec", name), "expected duplex, micro or output");
            return;
        }
        codecs.push_back(kind->second);
    }
    audio.codecs = std::move(codecs);
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
    if (backend)
        audio.backend = *backend;
    else if (!backend_written && audio.device != AudioDevice::None && spice_enabled)
        audio.backend = AudioBackend::Spice;
    if (audio.backend == AudioBackend::Spice && !spice_enabled)
        r.error("backend", "the spice audio backend needs SPICE",
                "add a spice section or use pipewire, pulseaudio or alsa");
    // backend: none written out is a sound card that plays nowhere (what the guest had stays).
    if (audio.device != AudioDevice::None && audio.backend == AudioBackend::None && !backend_written)
        r.error("device", "an audio device needs a backend",
                "set audio.backend: pipewire, pulseaudio or alsa (or spice with SPICE enabled)");
    parse_codecs(r, audio);
    return audio;
}

Input parse_input(const MapReader& root)
{
    const MapReader r = root.map("input");
    Input input;
    assign(input.virtio_mouse, r.boolean("virtio_mouse"));
    assign(input.virtio_keyboard, r.boolean("virtio_keyboard"));
    return input;
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
