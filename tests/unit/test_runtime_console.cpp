#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "runtime/console_relay.hpp"
#include "base/unix_socket.hpp"
#include "test_runtime_support.hpp"

using namespace ezkvm;
using namespace ezkvm::runtime;
using ezkvm::test::read_upto;
using ezkvm::test::TempDir;
using ezkvm::test::write_text;

namespace {

Fd connect_when_listening(const std::string& path)
{
    for (int attempt = 0; attempt < 500; ++attempt) {
        if (auto connected = connect_unix(path); connected)
            return std::move(*connected);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Fd();
}

}  // namespace

TEST_CASE("journal text keeps lines and drops carriage returns and escape sequences", "[runtime][console]")
{
    JournalText text;
    CHECK(text.filter("EZKVM-REPORT-BEGIN\r\ncpus=1\r\n") == "EZKVM-REPORT-BEGIN\ncpus=1\n");
    CHECK(text.filter("\x1b[2J\x1b[01;01H\x1b(BBdsDxe: loading\tBoot0001\x07\x7f\n") == "BdsDxe: loading\tBoot0001\n");
    CHECK(text.filter("\x1b]0;title\x07ok\x1b]2;t\x1b\\!\n") == "ok!\n");
    CHECK(text.filter("Grüße\n") == "Grüße\n");
    SECTION("a sequence split across reads")
    {
        CHECK(text.filter("a\x1b[3") == "a");
        CHECK(text.filter("1mred\x1b") == "red");
        CHECK(text.filter("[0m\n") == "\n");
    }
}

TEST_CASE("the relay logs the guest's output and serves the console to one client", "[runtime][console]")
{
    TempDir dir;
    int console[2], log[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) == 0);
    REQUIRE(::pipe2(log, O_CLOEXEC) == 0);
    Fd guest(console[1]), log_read(log[0]), log_write(log[1]);
    const std::string attach = dir / "console-attach.sock";

    int code = -1;
    std::ostringstream messages;
    std::thread relay([&] {
        StopSignals signals;
        code = relay_console({Fd(console[0]), log_write.get(), attach, -1, {}}, signals, messages);
    });

    write_text(guest.get(), "\x1b[2JBooting\r\n");
    CHECK(read_upto(log_read.get(), 8) == "Booting\n");

    Fd client = connect_when_listening(attach);
    REQUIRE(client);
    // Input reaching the guest shows the client was taken on.
    write_text(client.get(), "root\n");
    CHECK(read_upto(guest.get(), 5) == "root\n");
    write_text(guest.get(), "login ok\r\n");
    CHECK(read_upto(client.get(), 10) == "login ok\r\n");
    CHECK(read_upto(log_read.get(), 9) == "login ok\n");

    Fd second = connect_when_listening(attach);
    REQUIRE(second);
    CHECK(read_upto(second.get(), 100) == "ezkvm: the console is in use by another client\r\n");

    guest.reset();  // qemu exits
    relay.join();
    CHECK(code == 0);
    CHECK(messages.str().empty());
    CHECK_FALSE(std::filesystem::exists(attach));
}

TEST_CASE("the relay refuses to take over a console another relay serves", "[runtime][console]")
{
    TempDir dir;
    const std::string attach = dir / "console-attach.sock";
    auto other = listen_unix(attach, 0600);
    REQUIRE(other);
    int console[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) == 0);
    Fd guest(console[1]);
    StopSignals signals;
    std::ostringstream messages;
    CHECK(relay_console({Fd(console[0]), STDOUT_FILENO, attach, -1, {}}, signals, messages) == 1);
    CHECK(messages.str() == "cannot serve the console on " + attach + ": another process serves it\n");
}
