#include "runtime/viewer_command.hpp"

#include <cctype>

#include <fmt/format.h>

namespace ezkvm::runtime {
namespace {

using config::DisplayType;

enum class Protocol { Spice, Vnc };

constexpr const char* virt_viewer = "virt-viewer";  // ships remote-viewer

std::string title(const ViewerInput& in)
{
    return "ezkvm: " + in.vm;
}

// The viewer runs on this host: a wildcard listen address is reached on loopback.
std::string connect_host(const std::string& addr)
{
    if (addr.empty() || addr == "0.0.0.0")
        return "127.0.0.1";
    if (addr == "::" || addr == "[::]")
        return "::1";
    return addr;
}

std::string uri_host(const std::string& host)
{
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// A value in a GLib key file (remote-viewer's connection file format).
std::string key_file_value(const std::string& value)
{
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case ' ': out += i == 0 ? "\\s" : " "; break;
        default: out += c;
        }
    }
    return out;
}

struct Endpoint {
    bool tcp = false;
    std::string host;  // tcp
    unsigned port = 0; // tcp
    std::string path;  // unix socket
};

Endpoint spice_endpoint(const ViewerInput& in)
{
    const auto& spice = in.spec->spice;
    if (spice.port != 0)
        return {true, connect_host(spice.addr), spice.port, {}};
    return {false, {}, 0, spice.path.empty() ? in.paths.spice() : spice.path};
}

Endpoint vnc_endpoint(const ViewerInput& in)
{
    const auto& vnc = in.spec->vnc;
    if (vnc.port != 0)
        return {true, connect_host(vnc.addr), vnc.port, {}};
    return {false, {}, 0, vnc.path.empty() ? in.paths.vnc() : vnc.path};
}

std::string connection_file(const char* type, const Endpoint& at, const ViewerInput& in)
{
    return fmt::format("[virt-viewer]\ntype={}\nhost={}\nport={}\npassword={}\ntitle={}\ndelete-this-file=1\n", type,
                       key_file_value(at.host), at.port, key_file_value(*in.password), key_file_value(title(in)));
}

ViewerCommand remote_viewer(const char* scheme, const Endpoint& at, const ViewerInput& in)
{
    ViewerCommand cmd;
    cmd.package = virt_viewer;
    const std::string uri = at.tcp ? fmt::format("{}://{}:{}", scheme, uri_host(at.host), at.port)
                                   : fmt::format("{}+unix://{}", scheme, uri_path(at.path));
    cmd.argv = {"remote-viewer", "--title", title(in), uri};
    if (in.password) {
        if (at.tcp)
            cmd.connection_file = connection_file(scheme, at, in);
        else
            cmd.notes.push_back("remote-viewer asks for the password: a connection file cannot name a unix socket");
    }
    return cmd;
}

ViewerCommand tigervnc(const Endpoint& at, const ViewerInput& in)
{
    ViewerCommand cmd;
    cmd.package = "tigervnc-viewer";
    // TigerVNC takes a unix socket as a path; a port as host::port.
    cmd.argv = {"vncviewer", at.tcp ? fmt::format("{}::{}", at.host, at.port) : at.path};
    if (in.password)
        cmd.notes.push_back("vncviewer asks for the password");
    return cmd;
}

ViewerCommand looking_glass(const ViewerInput& in)
{
    const auto& spec = *in.spec;
    const auto& lg = spec.display.looking_glass;
    ViewerCommand cmd;
    cmd.package = "looking-glass-client";
    cmd.argv = {"looking-glass-client", "app:shmFile=" + lg.path, "win:title=" + title(in)};
    if (!lg.window_size.empty())
        cmd.argv.push_back("win:size=" + lg.window_size);
    if (lg.full_screen)
        cmd.argv.push_back("win:fullScreen=yes");
    if (lg.grab_keyboard)
        cmd.argv.push_back("input:grabKeyboard=yes");
    if (!lg.escape_key.empty())
        cmd.argv.push_back("input:escapeKey=" + lg.escape_key);
    if (!spec.spice.enabled) {
        // Without SPICE there is no keyboard and mouse: show frames only.
        cmd.argv.push_back("spice:enable=no");
        cmd.notes.push_back("the VM has no SPICE server: looking-glass-client shows the screen without input");
        return cmd;
    }
    const Endpoint at = spice_endpoint(in);
    // looking-glass-client takes a unix socket as the host with port 0.
    cmd.argv.push_back("spice:host=" + (at.tcp ? at.host : at.path));
    cmd.argv.push_back("spice:port=" + std::to_string(at.tcp ? at.port : 0));
    if (!spec.spice.password_file.empty() || !spec.spice.password_credential.empty())
        cmd.notes.push_back("looking-glass-client cannot send a SPICE password: its input will not connect");
    return cmd;
}

std::optional<Protocol> protocol_of(const config::VmSpec& spec)
{
    switch (spec.display.type) {
    case DisplayType::RemoteViewer:
    case DisplayType::Spice:
    case DisplayType::LookingGlass:
        return spec.spice.enabled ? std::optional(Protocol::Spice) : std::nullopt;
    case DisplayType::Vnc:
        return spec.vnc.enabled ? std::optional(Protocol::Vnc) : std::nullopt;
    case DisplayType::None:
    case DisplayType::Gtk:
    case DisplayType::Sdl:
        // A SPICE or VNC server may be there without a display asking for it.
        if (spec.spice.enabled)
            return Protocol::Spice;
        if (spec.vnc.enabled)
            return Protocol::Vnc;
        return std::nullopt;
    }
    return std::nullopt;
}

const char* local_display_name(DisplayType type)
{
    return type == DisplayType::Gtk ? "gtk" : "sdl";
}

}  // namespace

std::string uri_path(const std::string& path)
{
    std::string out;
    for (const char c : path) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            out += c;
        else
            out += fmt::format("%{:02X}", u);
    }
    return out;
}

std::string viewer_password_path(const config::VmSpec& spec, const VmPaths& paths)
{
    const auto protocol = protocol_of(spec);
    if (!protocol)
        return {};
    const std::string& file = *protocol == Protocol::Spice ? spec.spice.password_file : spec.vnc.password_file;
    const std::string& credential =
        *protocol == Protocol::Spice ? spec.spice.password_credential : spec.vnc.password_credential;
    if (!file.empty())
        return file;
    if (!credential.empty())
        return paths.credentials_dir + "/" + credential;
    return {};
}

Result<std::vector<ViewerCommand>> viewer_commands(const ViewerInput& in)
{
    const auto& spec = *in.spec;
    if (spec.display.type == DisplayType::LookingGlass)
        return std::vector<ViewerCommand>{looking_glass(in)};
    const auto protocol = protocol_of(spec);
    if (!protocol) {
        if (spec.display.type == DisplayType::Gtk || spec.display.type == DisplayType::Sdl)
            return Error{fmt::format(
                "VM '{}' shows its screen in a {} window of the session that runs it: there is nothing to "
                "connect a viewer to. A system VM has no desktop session; run it as your own VM (ezkvm --user) "
                "or give it display: {{ type: spice }}",
                in.vm, local_display_name(spec.display.type))};
        return Error{fmt::format("VM '{}' has no display (display: none, no spice or vnc section); "
                                 "its serial console is `ezkvm console {}`",
                                 in.vm, in.vm)};
    }
    if (*protocol == Protocol::Spice)
        return std::vector<ViewerCommand>{remote_viewer("spice", spice_endpoint(in), in)};
    const Endpoint at = vnc_endpoint(in);
    return std::vector<ViewerCommand>{remote_viewer("vnc", at, in), tigervnc(at, in)};
}

}  // namespace ezkvm::runtime
