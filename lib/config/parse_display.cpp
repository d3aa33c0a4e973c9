// display, and the remote display servers spice and vnc.
#include <fmt/format.h>

#include "config/parse_internal.hpp"

namespace ezkvm::config::detail {
namespace {

// The settings SPICE and VNC share.
struct Listen {
    std::string addr;
    unsigned port = 0;
    std::string path;
    std::string password_file;
    std::string password_credential;
};

// `tls_port`: SPICE's second TCP port, which also gives addr its meaning.
Listen parse_listen(const MapReader& r, std::string_view server, unsigned min_port, const char* tls_port = nullptr)
{
    Listen l;
    assign(l.addr, checked(r, "addr", valid_listen_address, "an IP address or host name"));
    if (auto port = r.number("port", min_port, 65535))
        l.port = static_cast<unsigned>(*port);
    assign(l.path, r.absolute_path("path"));
    assign(l.password_file, r.absolute_path("password_file"));
    assign(l.password_credential, checked(r, "password_credential", valid_credential_name,
                                          "a credential name (letters, digits, '.', '_', '-')"));

    const bool has_port = r.get("port") != nullptr || (tls_port && r.get(tls_port));
    if (has_port && r.get("path"))
        r.error("path", fmt::format("give either {} (TCP) or path (a unix socket), not both",
                                    tls_port && r.get(tls_port) ? tls_port : "port"));
    if (r.get("addr") && !has_port)
        r.error("addr", "addr needs a port", "add a port, or remove addr to listen on a unix socket");
    if (r.get("password_file") && r.get("password_credential"))
        r.error("password_credential", "give either password_file or password_credential, not both");

    const bool tcp = l.port != 0 || (tls_port && r.get(tls_port));
    if (tcp && l.addr.empty() && !r.get("addr"))
        l.addr = "127.0.0.1";
    const bool has_password = !l.password_file.empty() || !l.password_credential.empty();
    if (tcp && !l.addr.empty() && !is_loopback(l.addr) && !has_password)
        r.warning("addr",
                  fmt::format("{} listens on {} without a password: anyone who can reach this port controls the VM",
                              server, l.addr),
                  fmt::format("set {0}.password_file or {0}.password_credential, or listen on 127.0.0.1 / "
                              "a unix socket (path)",
                              r.path()));
    else if (l.port != 0 && !l.addr.empty() && l.path.empty() && !has_password)
        // Loopback is no boundary: every local user, and every other VM's qemu, can connect.
        r.warning("port",
                  fmt::format("{} listens on TCP {}:{} without a password: every local user, and every other "
                              "VM's qemu, can take this VM's screen, keyboard and mouse",
                              server, l.addr, l.port),
                  fmt::format("listen on a unix socket instead (remove {0}.port; only the VM's user and root can "
                              "reach it), or set {0}.password_file or {0}.password_credential",
                              r.path()));
    return l;
}

LookingGlass parse_looking_glass(const MapReader& r)
{
    LookingGlass lg;
    const MapReader device = r.map("device");
    assign(lg.path, checked(device, "path", valid_shared_memory_path, "/dev/kvmfr<N> or /dev/shm/<name>"));
    constexpr uint64_t mib = 1u << 20;
    if (auto size = device.size("size", mib)) {
        const uint64_t mibs = *size / mib;
        if (*size % mib != 0 || mibs == 0 || (mibs & (mibs - 1)) != 0)
            device.error("size", "the shared memory size must be a power of two in MiB", "such as 32M, 64M or 128M");
        else
            lg.size = *size;
    }
    const MapReader input = r.map("input");
    assign(lg.grab_keyboard, input.boolean("grab_keyboard"));
    assign(lg.escape_key, checked(input, "escape_key", valid_key_name, "a key name such as KEY_F12"));
    const MapReader window = r.map("window");
    assign(lg.window_size, checked(window, "size", valid_window_size, "<width>x<height> such as 1920x1080"));
    assign(lg.full_screen, window.boolean("full_screen"));
    return lg;
}

}  // namespace

Spice parse_spice(const MapReader& root)
{
    const MapReader r = root.map("spice");
    Spice spice;
    spice.enabled = r.present();
    Listen l = parse_listen(r, "SPICE", 1, "tls_port");
    spice.addr = l.addr;
    spice.port = l.port;
    spice.path = l.path;
    spice.password_file = l.password_file;
    spice.password_credential = l.password_credential;
    assign(spice.gl, r.boolean("gl"));
    assign(spice.render_node, r.absolute_path("render_node"));
    if (r.get("render_node") && !spice.gl)
        r.error("render_node", "render_node is only used with gl: yes");
    if (auto port = r.number("tls_port", 1, 65535)) {
        spice.tls_port = static_cast<unsigned>(*port);
        if (spice.tls_port == spice.port)
            r.error("tls_port", fmt::format("port {} is already the plain port", spice.port), "choose another port");
    }
    assign(spice.x509_dir, r.absolute_path("x509_dir"));
    if (r.get("tls_port") && !r.get("x509_dir"))
        r.error("tls_port", "TLS needs x509_dir: the directory with ca-cert.pem, server-cert.pem and server-key.pem");
    else if (r.get("x509_dir") && !r.get("tls_port"))
        r.error("x509_dir", "x509_dir is only used with tls_port");
    const bool has_password = !spice.password_file.empty() || !spice.password_credential.empty();
    if (spice.tls_port != 0 && spice.port == 0 && spice.path.empty() && is_loopback(spice.addr) && !has_password)
        // TLS hides the stream but asks the client for nothing: loopback is no boundary here either.
        r.warning("tls_port",
                  fmt::format("SPICE listens on TLS port {}:{} without a password: every local user, and every "
                              "other VM's qemu, can take this VM's screen, keyboard and mouse",
                              spice.addr, spice.tls_port),
                  "listen on a unix socket instead (remove spice.tls_port; only the VM's user and root can reach "
                  "it), or set spice.password_file or spice.password_credential");
    return spice;
}

Vnc parse_vnc(const MapReader& root)
{
    const MapReader r = root.map("vnc");
    Vnc vnc;
    vnc.enabled = r.present();
    Listen l = parse_listen(r, "VNC", 5900);
    vnc.addr = l.addr;
    vnc.port = l.port;
    vnc.path = l.path;
    vnc.password_file = l.password_file;
    vnc.password_credential = l.password_credential;
    return vnc;
}

Display parse_display(const MapReader& root)
{
    const MapReader r = root.map("display");
    Display display;
    const auto type = r.choice<DisplayType>("type", {{"none", DisplayType::None},
                                                        {"looking_glass", DisplayType::LookingGlass},
                                                        {"looking-glass", DisplayType::LookingGlass},
                                                        {"remote-viewer", DisplayType::RemoteViewer},
                                                        {"spice", DisplayType::Spice},
                                                        {"vnc", DisplayType::Vnc},
                                                        {"gtk", DisplayType::Gtk},
                                                        {"sdl", DisplayType::Sdl}});
    assign(display.type, type);
    const bool type_known = type || !r.get("type");  // a bad type is reported once, not per key
    if (auto gl = r.boolean("gl")) {
        if (display.type == DisplayType::Gtk || display.type == DisplayType::Sdl)
            display.gl = *gl;
        else if (type_known)
            r.error("gl", "gl is only used with display type gtk or sdl",
                    "for SPICE displays set spice.gl; for a GL GPU set gpu.gl");
    }
    if (display.type == DisplayType::LookingGlass) {
        display.looking_glass = parse_looking_glass(r);
    } else if (type_known) {
        for (const char* key : {"device", "input", "window"})
            if (r.get(key))
                r.error(key, fmt::format("{} is only used with display type looking_glass", key));
    }
    return display;
}

}  // namespace ezkvm::config::detail
