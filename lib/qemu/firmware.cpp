#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

void add_ovmf(CommandContext& ctx)
{
    const auto& fw = ctx.input.firmware;
    if (!fw || fw->code.empty()) {
        ctx.diags.error({}, "system.bios", "no firmware selected",
                        "OVMF needs a firmware descriptor in /usr/share/qemu/firmware (Debian: apt install ovmf)");
        return;
    }
    const auto& bios = ctx.spec.system.bios;
    ctx.args.add("-drive", Opts()
                               .set("if", "pflash")
                               .set("unit", 0)
                               .set("format", fw->code_format)
                               .on("readonly", true)
                               .set("file", fw->code));
    ctx.uses(fw->code);

    const std::string vars = bios.file.empty() ? ctx.input.paths.efivars() : bios.file;
    Opts store;
    store.set("if", "pflash").set("unit", 1).set("format", fw->vars_format).set("file", vars);
    // A user's store may be a block device larger than the store (an LVM volume):
    // the flash must still be exactly as large as the firmware expects.
    if (!bios.file.empty() && fw->vars_size != 0)
        store.set("size", static_cast<unsigned long long>(fw->vars_size));
    ctx.args.add("-drive", store);
    ctx.uses(vars, true);

    // Makes the vars flash writable only from SMM, so the guest OS cannot bypass secure boot.
    if (needs_smm(ctx))
        ctx.args.add("-global", Opts().set("driver", "cfi.pflash01").set("property", "secure").set("value", "on"));
}

}  // namespace

// -boot: the firmware's menu, strictness and retry (SeaBIOS and OVMF both read them from fw_cfg).
void add_boot_policy(CommandContext& ctx)
{
    const auto& boot = ctx.spec.system.boot;
    if (!boot.menu && !boot.strict && !boot.reboot_timeout)
        return;
    Opts opts;
    if (boot.menu)
        opts.on("menu", true);
    if (boot.strict)
        opts.on("strict", true);
    if (boot.reboot_timeout)
        opts.set("reboot-timeout", *boot.reboot_timeout * 1000);
    ctx.args.add("-boot", opts);
}

void add_firmware(CommandContext& ctx)
{
    add_boot_policy(ctx);
    if (ctx.spec.system.bios.type == config::FirmwareType::Ovmf) {
        add_ovmf(ctx);
        return;
    }
    // SeaBIOS: without a descriptor qemu loads its own copy, which is what we want.
    const auto& fw = ctx.input.firmware;
    if (fw && !fw->code.empty()) {
        ctx.args.add("-bios", fw->code);  // -bios takes a plain path, not an option list
        ctx.uses(fw->code);
    }
}

}  // namespace ezkvm::qemu
