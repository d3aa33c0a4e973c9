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

void CommandContext::add_pci_device(Opts opts, const PciAddr& at, bool multifunction)
{
    place(opts, at);
    args.add("-device", opts);
    pci.record(at, args.items.size() - 1, multifunction);
}

bool needs_smm(const CommandContext& ctx)
{
    if (ctx.spec.system.bios.type != config::FirmwareType::Ovmf)
        return false;
    return ctx.spec.system.bios.secure_boot || (ctx.input.firmware && ctx.input.firmware->requires_smm);
}

namespace {

// The fixed order of the command line (PCI slots come from the layout in pci.cpp).
constexpr void (*kSections[])(CommandContext&) = {
    add_identity, add_machine, add_control, add_firmware, add_cpu,     add_memory,  add_kernel,
    add_gpu,      add_display, add_audio,   add_usb,      add_storage, add_network, add_host_pci,
    add_tpm,      add_applesmc, add_balloon, add_input, add_channels, add_serial,  add_extra_args,
};

// A slot's function 0 must be there and say multifunction=on for the guest to
// look at its other functions.
void finish_pci(CommandContext& ctx)
{
    for (const auto& port : ctx.pci.missing_port_functions())
        add_root_port(ctx, port);
    for (const auto& [slot, functions] : ctx.pci.placed()) {
        auto zero = functions.find(0);
        if (functions.size() > 1 && zero != functions.end() && !zero->second.multifunction)
            ctx.args.items[zero->second.arg] += ",multifunction=on";
    }
}

}  // namespace

Command build_command(const CommandInput& input, Diagnostics& diags)
{
    CommandContext ctx(input, diags);
    ctx.args.add(input.qemu_binary);
    for (auto section : kSections)
        section(ctx);
    finish_pci(ctx);
    ctx.pci.report(diags);
    return Command{std::move(ctx.args.items), std::move(ctx.host_paths), std::move(ctx.macvtaps), std::move(ctx.bridge_taps),
                   input.host_fingerprint};
}

}  // namespace ezkvm::qemu
