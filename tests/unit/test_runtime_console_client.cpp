#include <catch2/catch.hpp>

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>

#include "runtime/console_client.hpp"
#include "base/unix_socket.hpp"
#include "runtime/vm_socket.hpp"
#include "test_runtime_support.hpp"

using namespace ezkvm;
using namespace ezkvm::runtime;
using ezkvm::Scope;
using ezkvm::test::read_upto;
using ezkvm::test::TempDir;
using ezkvm::test::write_text;

namespace {

// A console client between a socketpair (the relay's side: `relay`) and two pipes
// (what the user types: `keyboard`, what the user sees: `screen`).
struct Rig {
    int relay = -1;
    int keyboard = -1;
    int screen = -1;
    StopSignals signals;
    std::future<Result<ConsoleEnd>> result;

    Rig()
    {
        int pair[2], in[2], out[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
        REQUIRE(::pipe(in) == 0);
        REQUIRE(::pipe(out) == 0);
        relay = pair[0];
        keyboard = in[1];
        screen = out[0];
        ConsoleClientOptions opts{Fd(pair[1]), in[0], out[1]};
        result = std::async(std::launch::async, [this, opts = std::move(opts), in0 = in[0], out1 = out[1]]() mutable {
            auto r = run_console_client(std::move(opts), signals);
            ::close(in0);
            ::close(out1);
            return r;
        });
    }
    ~Rig()
    {
        for (int fd : {relay, keyboard, screen})
            if (fd >= 0)
                ::close(fd);
    }
    ConsoleEnd end()
    {
        REQUIRE(result.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
        auto ended = result.get();
        REQUIRE(ended);
        return *ended;
    }
};

}  // namespace

TEST_CASE("the escape key splits the input")
{
    CHECK(scan_for_escape("abc").forward == "abc");
    CHECK_FALSE(scan_for_escape("abc").detach);
    const auto scan = scan_for_escape("ls\r\x1dmore");
    CHECK(scan.forward == "ls\r");
    CHECK(scan.detach);
    CHECK(scan_for_escape("\x1d").forward.empty());
    CHECK(scan_for_escape("\x1d").detach);
    CHECK(scan_for_escape("x~y", '~').forward == "x");
    CHECK(console_escape_key == '\x1d');
}

TEST_CASE("the console client relays both ways and detaches on the escape key")
{
    Rig rig;
    write_text(rig.keyboard, "root\r");
    CHECK(read_upto(rig.relay, 5) == "root\r");
    write_text(rig.relay, "login: \x1b[1m");
    CHECK(read_upto(rig.screen, 11) == "login: \x1b[1m");  // raw, escape sequences and all
    write_text(rig.keyboard, "bye\x1dnot sent");
    CHECK(rig.end() == ConsoleEnd::Detached);
    CHECK(read_upto(rig.relay, 100) == "bye");  // then the connection closes
}

TEST_CASE("the console client ends with its input")
{
    Rig rig;
    write_text(rig.keyboard, "x");
    ::close(rig.keyboard);
    rig.keyboard = -1;
    CHECK(rig.end() == ConsoleEnd::InputEnded);
    CHECK(read_upto(rig.relay, 100) == "x");
}

TEST_CASE("the console client shows the last output when the console closes")
{
    Rig rig;
    write_text(rig.relay, "reboot: Power down\r\n");
    ::close(rig.relay);
    rig.relay = -1;
    CHECK(rig.end() == ConsoleEnd::ConsoleClosed);
    CHECK(read_upto(rig.screen, 100) == "reboot: Power down\r\n");
}

TEST_CASE("VM socket errors say what to do")
{
    const std::string path = "/run/ezkvm/demo/console-attach.sock";
    const auto missing = vm_socket_error("demo", Scope::System, path, "serial console", ENOENT);
    CHECK(missing == "VM 'demo' is not running (no serial console at " + path + "); start it with `ezkvm start demo`");
    CHECK(vm_socket_error("demo", Scope::User, path, "QMP socket", ECONNREFUSED).ends_with("`ezkvm --user start demo`"));
    const auto denied = vm_socket_error("demo", Scope::System, path, "serial console", EACCES);
    CHECK(denied.starts_with("permission denied: " + path));
    CHECK(denied.find("group ezkvm") != std::string::npos);
    CHECK(vm_socket_error("demo", Scope::System, path, "QMP socket", EIO).find("Input/output error") !=
          std::string::npos);
}

TEST_CASE("connecting to a VM socket")
{
    TempDir dir;
    auto missing = connect_vm_socket("demo", Scope::System, dir / "qmp.sock", "QMP socket");
    CHECK_FALSE(missing);
    CHECK(missing.error().message.find("is not running") != std::string::npos);

    auto listening = listen_unix(dir / "qmp.sock", 0600);
    REQUIRE(listening);
    auto connected = connect_vm_socket("demo", Scope::System, dir / "qmp.sock", "QMP socket");
    CHECK(connected);
}
