#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

const char* audiodev_driver(config::AudioBackend backend)
{
    switch (backend) {
    case config::AudioBackend::Spice: return "spice";
    // qemu 7.2 has no PipeWire backend (it arrives in 8.1): PipeWire's
    // PulseAudio server (pipewire-pulse) serves the pa backend.
    case config::AudioBackend::PipeWire:
    case config::AudioBackend::PulseAudio: return "pa";
    case config::AudioBackend::Alsa: return "alsa";
    case config::AudioBackend::None: break;
    }
    return "none";
}

const char* codec_driver(config::AudioCodec codec)
{
    switch (codec) {
    case config::AudioCodec::Micro: return "hda-micro";
    case config::AudioCodec::Output: return "hda-output";
    case config::AudioCodec::Duplex: break;
    }
    return "hda-duplex";
}

}  // namespace

void add_audio(CommandContext& ctx)
{
    const auto& audio = ctx.spec.audio;
    if (audio.device == config::AudioDevice::None)
        return;
    if (audio.backend == config::AudioBackend::Spice && !ctx.spec.spice.enabled)
        ctx.diags.error({}, "audio.backend", "audio backend spice needs SPICE",
                        "add a spice section, or choose another backend");
    ctx.args.add("-audiodev", Opts(audiodev_driver(audio.backend)).set("id", "audio0"));

    if (audio.device == config::AudioDevice::Ac97) {
        Opts ac97("AC97");
        ac97.set("audiodev", "audio0");
        ctx.add_pci_device(ac97, ctx.pci.slot_for(PciKind::Audio, 0));
        return;
    }
    Opts hda(ctx.q35() ? "ich9-intel-hda" : "intel-hda");
    hda.set("id", "sound0");
    ctx.add_pci_device(hda, ctx.pci.slot_for(PciKind::Audio, 0));
    for (size_t cad = 0; cad < audio.codecs.size(); ++cad) {
        Opts codec(codec_driver(audio.codecs[cad]));
        codec.set("bus", "sound0.0");
        if (audio.codecs.size() > 1)
            codec.set("cad", static_cast<unsigned>(cad));
        ctx.args.add("-device", codec.set("audiodev", "audio0"));
    }
}

}  // namespace ezkvm::qemu
