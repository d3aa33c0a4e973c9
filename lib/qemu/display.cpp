#include <fmt/format.h>

#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

// A password file given directly, or a systemd credential of the unit.
std::string password_path(CommandContext& ctx, const std::string& file, const std::string& credential)
{
    if (!file.empty()) {
        ctx.uses(file);
        return file;
    }
    if (!credential.empty())
        return ctx.input.paths.credentials_dir + "/" + credential;
    return {};
}

// qemu reads the password from a secret object; the option names its id.
void add_secret(CommandContext& ctx, const char* id, const std::string& file)
{
    ctx.args.add("-object", Opts("secret").set("id", id).set("file", file));
}

void add_local_display(CommandContext& ctx)
{
    const auto& display = ctx.spec.display;
    const auto& spice = ctx.spec.spice;
    if (display.type == config::DisplayType::Gtk || display.type == config::DisplayType::Sdl) {
        Opts opts(display.type == config::DisplayType::Gtk ? "gtk" : "sdl");
        if (display.gl)
            opts.on("gl", true);
        ctx.args.add("-display", opts);
    } else if (spice.enabled && spice.gl && (spice.port != 0 || spice.tls_port != 0)) {
        // SPICE GL works only over a unix socket; over TCP an EGL display renders
        // on the host and SPICE streams the result.
        Opts opts("egl-headless");
        if (!spice.render_node.empty())
            opts.set("rendernode", spice.render_node);
        ctx.args.add("-display", opts);
    } else {
        ctx.args.add("-display", "none");
    }
}

void add_spice(CommandContext& ctx)
{
    const auto& spice = ctx.spec.spice;
    Opts opts;
    const bool tcp = spice.port != 0 || spice.tls_port != 0;
    if (spice.port != 0)
        opts.set("port", spice.port);
    if (spice.tls_port != 0) {
        opts.set("tls-port", spice.tls_port).set("x509-dir", spice.x509_dir);
        ctx.uses(spice.x509_dir);
    }
    if (tcp)
        opts.set("addr", spice.addr.empty() ? "127.0.0.1" : spice.addr);
    else
        opts.on("unix", true).set("addr", spice.path.empty() ? ctx.input.paths.spice() : spice.path);
    const std::string password = password_path(ctx, spice.password_file, spice.password_credential);
    if (!password.empty()) {
        add_secret(ctx, "spice-password", password);
        opts.set("password-secret", "spice-password");
    } else {
        opts.on("disable-ticketing", true);
    }
    if (spice.gl && !tcp) {
        opts.on("gl", true);
        if (!spice.render_node.empty())
            opts.set("rendernode", spice.render_node);
    }
    if (spice.gl && !spice.render_node.empty())
        ctx.uses(spice.render_node);
    ctx.args.add("-spice", opts);
}

void add_vnc(CommandContext& ctx)
{
    const auto& vnc = ctx.spec.vnc;
    std::string where;
    if (vnc.port != 0) {
        const std::string addr = vnc.addr.empty() ? "127.0.0.1" : vnc.addr;
        // -vnc names a display number, the port minus 5900; IPv6 addresses go in brackets.
        if (addr.find(':') != std::string::npos)
            where = fmt::format("[{}]:{}", addr, vnc.port - 5900);
        else
            where = fmt::format("{}:{}", addr, vnc.port - 5900);
    } else {
        where = "unix:" + (vnc.path.empty() ? ctx.input.paths.vnc() : vnc.path);
    }
    Opts opts(where);
    const std::string password = password_path(ctx, vnc.password_file, vnc.password_credential);
    if (!password.empty()) {
        add_secret(ctx, "vnc-password", password);
        opts.set("password-secret", "vnc-password");
    }
    ctx.args.add("-vnc", opts);
}

// Shared memory the guest's looking-glass host writes frames into.
void add_looking_glass(CommandContext& ctx)
{
    const auto& lg = ctx.spec.display.looking_glass;
    ctx.args.add("-object", Opts("memory-backend-file")
                                .set("id", "looking-glass")
                                .set("mem-path", lg.path)
                                .set("size", static_cast<unsigned long long>(lg.size))
                                .on("share", true));
    Opts device("ivshmem-plain");
    device.set("memdev", "looking-glass");
    ctx.add_pci_device(device, ctx.pci.slot_for(PciKind::SharedMemory, 0));
    ctx.uses(lg.path);
}

}  // namespace

void add_display(CommandContext& ctx)
{
    add_local_display(ctx);
    if (ctx.spec.spice.enabled)
        add_spice(ctx);
    if (ctx.spec.vnc.enabled)
        add_vnc(ctx);
    if (ctx.spec.display.type == config::DisplayType::LookingGlass)
        add_looking_glass(ctx);
}

}  // namespace ezkvm::qemu
