#include <catch2/catch.hpp>

#include "runtime/viewer_command.hpp"
#include "base/shell_quote.hpp"

using namespace ezkvm;
using namespace ezkvm::runtime;
using config::DisplayType;

namespace {

VmPaths demo_paths()
{
    return VmPaths{"/run/ezkvm/demo", "/var/lib/ezkvm/demo", "/run/credentials/ezkvm@demo.service"};
}

Result<std::vector<ViewerCommand>> plan_for(const config::VmSpec& spec, std::optional<std::string> password = std::nullopt)
{
    return viewer_commands(ViewerInput{"demo", &spec, demo_paths(), std::move(password)});
}

// The first candidate as a shell line, the way `ezkvm view --print` shows it.
std::string first_line(const Result<std::vector<ViewerCommand>>& plan)
{
    REQUIRE(plan);
    REQUIRE_FALSE(plan->empty());
    std::string line;
    for (const auto& arg : plan->front().argv)
        line += (line.empty() ? "" : " ") + shell_quote(arg);
    return line;
}

config::VmSpec spice_vm()
{
    config::VmSpec spec;
    spec.display.type = DisplayType::RemoteViewer;
    spec.spice.enabled = true;
    return spec;
}

}  // namespace

TEST_CASE("remote-viewer on the SPICE unix socket")
{
    const auto plan = plan_for(spice_vm());
    REQUIRE(plan);
    REQUIRE(plan->size() == 1);
    CHECK(first_line(plan) == "remote-viewer --title 'ezkvm: demo' spice+unix:///run/ezkvm/demo/spice.sock");
    CHECK((*plan)[0].package == "virt-viewer");
    CHECK((*plan)[0].connection_file.empty());
}

TEST_CASE("a configured SPICE socket path with special characters is percent-encoded")
{
    auto spec = spice_vm();
    spec.display.type = DisplayType::Spice;
    spec.spice.path = "/srv/vm sockets/it's 100%;$(x).sock";
    CHECK(first_line(plan_for(spec)) ==
          "remote-viewer --title 'ezkvm: demo' "
          "spice+unix:///srv/vm%20sockets/it%27s%20100%25%3B%24%28x%29.sock");
    CHECK(uri_path("/a/b-c_d.e~f") == "/a/b-c_d.e~f");
}

TEST_CASE("remote-viewer on a SPICE port")
{
    auto spec = spice_vm();
    spec.spice.port = 5930;
    spec.spice.addr = "0.0.0.0";
    CHECK(first_line(plan_for(spec)) == "remote-viewer --title 'ezkvm: demo' spice://127.0.0.1:5930");
    spec.spice.addr = "::";
    CHECK(first_line(plan_for(spec)) == "remote-viewer --title 'ezkvm: demo' 'spice://[::1]:5930'");
    spec.spice.addr = "192.168.1.5";
    CHECK(first_line(plan_for(spec)) == "remote-viewer --title 'ezkvm: demo' spice://192.168.1.5:5930");
}

TEST_CASE("a SPICE password goes into a connection file, never on the command line")
{
    auto spec = spice_vm();
    spec.spice.port = 5930;
    spec.spice.password_file = "/etc/ezkvm/demo.spice-password";
    const auto plan = plan_for(spec, std::string("s3cret 'x'\\\n"));
    const auto& cmd = plan->at(0);
    CHECK(first_line(plan).find("s3cret") == std::string::npos);
    CHECK(cmd.connection_file ==
          "[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5930\npassword=s3cret 'x'\\\\\\n\n"
          "title=ezkvm: demo\ndelete-this-file=1\n");
    // A leading space would be dropped by the key file parser unless escaped.
    CHECK(plan_for(spec, std::string(" p"))->at(0).connection_file.find("password=\\sp\n") !=
          std::string::npos);
}

TEST_CASE("a password with a unix socket: remote-viewer asks for it")
{
    auto spec = spice_vm();
    spec.spice.password_credential = "spice-password";
    const auto plan = plan_for(spec, std::string("pw"));
    CHECK(plan->at(0).connection_file.empty());
    CHECK((*plan)[0].notes.size() == 1);
}

TEST_CASE("where the display's password comes from")
{
    auto spec = spice_vm();
    CHECK(viewer_password_path(spec, demo_paths()).empty());
    spec.spice.password_file = "/etc/ezkvm/pw";
    CHECK(viewer_password_path(spec, demo_paths()) == "/etc/ezkvm/pw");
    spec.spice.password_file.clear();
    spec.spice.password_credential = "spice-pw";
    CHECK(viewer_password_path(spec, demo_paths()) == "/run/credentials/ezkvm@demo.service/spice-pw");

    config::VmSpec vnc;
    vnc.display.type = DisplayType::Vnc;
    vnc.vnc.enabled = true;
    vnc.vnc.password_file = "/etc/ezkvm/vnc-pw";
    vnc.spice.password_file = "/etc/ezkvm/unused";
    CHECK(viewer_password_path(vnc, demo_paths()) == "/etc/ezkvm/vnc-pw");
}

TEST_CASE("VNC: remote-viewer, then TigerVNC")
{
    config::VmSpec spec;
    spec.display.type = DisplayType::Vnc;
    spec.vnc.enabled = true;
    auto plan = plan_for(spec);
    REQUIRE(plan->size() == 2);
    CHECK(first_line(plan) == "remote-viewer --title 'ezkvm: demo' vnc+unix:///run/ezkvm/demo/vnc.sock");
    CHECK((*plan)[1].argv == std::vector<std::string>{"vncviewer", "/run/ezkvm/demo/vnc.sock"});
    CHECK((*plan)[1].package == "tigervnc-viewer");

    spec.vnc.port = 5901;
    spec.vnc.password_file = "/etc/ezkvm/vnc-pw";
    plan = plan_for(spec, std::string("12345678"));
    CHECK(first_line(plan) == "remote-viewer --title 'ezkvm: demo' vnc://127.0.0.1:5901");
    CHECK((*plan)[0].connection_file.find("type=vnc\nhost=127.0.0.1\nport=5901\npassword=12345678\n") !=
          std::string::npos);
    CHECK((*plan)[1].argv == std::vector<std::string>{"vncviewer", "127.0.0.1::5901"});
}

TEST_CASE("looking-glass-client with the VM's settings")
{
    config::VmSpec spec;
    spec.display.type = DisplayType::LookingGlass;
    spec.spice.enabled = true;
    auto& lg = spec.display.looking_glass;
    lg.path = "/dev/kvmfr0";
    lg.window_size = "1707x1067";
    lg.full_screen = true;
    lg.grab_keyboard = true;
    lg.escape_key = "KEY_F12";
    auto plan = plan_for(spec);
    REQUIRE(plan->size() == 1);
    CHECK((*plan)[0].package == "looking-glass-client");
    CHECK(first_line(plan) ==
          "looking-glass-client app:shmFile=/dev/kvmfr0 'win:title=ezkvm: demo' win:size=1707x1067 "
          "win:fullScreen=yes input:grabKeyboard=yes input:escapeKey=KEY_F12 "
          "spice:host=/run/ezkvm/demo/spice.sock spice:port=0");

    // Defaults: only what the VM sets; SPICE over TCP.
    config::VmSpec plain;
    plain.display.type = DisplayType::LookingGlass;
    plain.display.looking_glass.path = "/dev/shm/looking glass";
    plain.spice.enabled = true;
    plain.spice.port = 5905;
    plain.spice.password_file = "/etc/ezkvm/pw";
    plan = plan_for(plain, std::string("pw"));
    CHECK(first_line(plan) == "looking-glass-client 'app:shmFile=/dev/shm/looking glass' 'win:title=ezkvm: demo' "
                              "spice:host=127.0.0.1 spice:port=5905");
    CHECK((*plan)[0].connection_file.empty());
    CHECK((*plan)[0].notes.size() == 1);  // it cannot send the password

    plain.spice.enabled = false;
    CHECK(plan_for(plain)->at(0).argv.back() == "spice:enable=no");
}

TEST_CASE("gtk, sdl and no display: no viewer, and why")
{
    config::VmSpec spec;
    spec.display.type = DisplayType::Gtk;
    auto plan = plan_for(spec);
    REQUIRE_FALSE(plan);
    CHECK(plan.error().message.find("gtk window of the session that runs it") != std::string::npos);
    spec.display.type = DisplayType::Sdl;
    CHECK(plan_for(spec).error().message.find("sdl window") != std::string::npos);
    spec.display.type = DisplayType::None;
    CHECK(plan_for(spec).error().message.find("`ezkvm console demo`") != std::string::npos);
    // A SPICE server without a display type asking for it is still viewable.
    spec.spice.enabled = true;
    CHECK(first_line(plan_for(spec)).starts_with("remote-viewer "));
}
