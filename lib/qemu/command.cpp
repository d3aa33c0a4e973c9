#include "qemu/command.hpp"

#include <algorithm>

#include "base/host_path.hpp"

#include "qemu/sections.hpp"

namespace ezkvm::qemu {

CommandContext::CommandContext(const CommandInput& in, Diagnostics& d)
    : input(in), spec(*in.spec), diags(d), pci(in.spec->system.chipset.type)
{
}

void CommandContext::uses(const std::string& path, std::optional<bool> writable, HostPath::User user)
{
    auto same = [&path](const HostPath& used) { return used.path == path; };
    if (std::find_if(host_paths.begin(), host_paths.end(), same) != host_paths.end())
        return;
    const bool device = is_device_path(path);
    host_paths.push_back({path, writable.value_or(device), device ? HostPath::Kind::Device : HostPath::Kind::File, user});
}

bool needs_smm(const CommandContext& ctx)
{
    if (ctx.spec.system.bios.type != config::FirmwareType::Ovmf)
        return false;
    return ctx.spec.system.bios.secure_boot || (ctx.input.firmware && ctx.input.firmware->requires_smm);
}

namespace {

// The fixed order of the command line; PCI slots are handed out in this order too.
constexpr void (*kSections[])(CommandContext&) = {
    add_identity, add_machine, add_control, add_firmware, add_cpu,     add_memory,  add_kernel,
    add_gpu,      add_display, add_audio,   add_usb,      add_storage, add_network, add_host_pci,
    add_tpm,      add_applesmc, add_balloon, add_input, add_channels, add_serial,  add_extra_args,
};

}  // namespace

Command build_command(const CommandInput& input, Diagnostics& diags)
{
    CommandContext ctx(input, diags);
    ctx.args.add(input.qemu_binary);
    for (auto section : kSections)
        section(ctx);
    ctx.pci.report(diags);
    return Command{std::move(ctx.args.items), std::move(ctx.host_paths), std::move(ctx.macvtaps), input.host_fingerprint};
}

}  // namespace ezkvm::qemu
