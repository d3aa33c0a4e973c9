#include "qemu/sections.hpp"

namespace ezkvm::qemu {

// The serial console on a socket (`ezkvm console`), for `ezkvm run` also logged to a file.
void add_serial(CommandContext& ctx)
{
    if (!ctx.spec.serial)
        return;
    const auto& paths = ctx.input.paths;
    Opts chardev("socket");
    chardev.set("id", "serial0").set("path", paths.console()).on("server", true).on("wait", false);
    if (ctx.input.console_logfile)
        chardev.set("logfile", paths.console_log());
    ctx.args.add("-chardev", chardev);
    ctx.args.add("-serial", "chardev:serial0");
}

// Appended last and verbatim: the user's escape hatch (the parser warns about it).
void add_extra_args(CommandContext& ctx)
{
    for (const auto& arg : ctx.spec.extra_args)
        ctx.args.add(arg);
}

}  // namespace ezkvm::qemu
