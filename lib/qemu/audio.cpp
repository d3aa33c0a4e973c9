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
        ctx.args.add("-device", place(ac97, ctx.pci.next_slot()));
        return;
    }
    Opts hda(ctx.q35() ? "ich9-intel-hda" : "intel-hda");
    hda.set("id", "sound0");
    ctx.args.add("-device", place(hda, ctx.pci.next_slot()));
    ctx.args.add("-device", Opts("hda-duplex").set("bus", "sound0.0").set("audiodev", "audio0"));
}

}  // namespace ezkvm::qemu
