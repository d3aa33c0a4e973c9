#include "qemu/sections.hpp"

namespace ezkvm::qemu {

// QMP, which ezkvm itself talks to; a second QMP socket the unit's guest watch
// keeps (qemu serves one client per socket at a time); the optional human monitor.
void add_control(CommandContext& ctx)
{
    const auto& paths = ctx.input.paths;
    auto socket = [&](const char* id, const std::string& path, const char* mode) {
        ctx.args.add("-chardev", Opts("socket").set("id", id).set("path", path).on("server", true).on("wait", false));
        ctx.args.add("-mon", Opts().set("chardev", id).set("mode", mode));
    };
    socket("qmp", paths.qmp(), "control");
    socket("qmp-watch", paths.qmp_watch(), "control");
    if (ctx.spec.general.monitor)
        socket("monitor", paths.monitor(), "readline");
}

}  // namespace ezkvm::qemu
