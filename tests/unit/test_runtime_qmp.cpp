#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/qmp.hpp"
#include "base/unix_socket.hpp"
#include "test_runtime_support.hpp"

using namespace ezkvm;
using namespace ezkvm::runtime;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const char* greeting =
    R"({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7"}, "capabilities": ["oob"]}})";

// The qemu side of a QMP connection, scripted by the test.
class Peer {
public:
    explicit Peer(int fd) : fd_(fd) {}
    // Called from the peer's thread: no Catch2 assertions here.
    void send(const std::string& text) const { [[maybe_unused]] auto n = ::write(fd_.get(), text.data(), text.size()); }
    void send_line(const std::string& text) const { send(text + "\r\n"); }
    json read_command()
    {
        char c;
        std::string line;
        while (::read(fd_.get(), &c, 1) == 1 && c != '\n')
            line += c;
        return json::parse(line);
    }
    void close() { fd_.reset(); }

private:
    Fd fd_;
};

std::pair<QmpClient, Peer> connected_pair()
{
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    return {QmpClient(Fd(fds[0])), Peer(fds[1])};
}

// Answers every command with `reply(command)`, after sending `before(command)` lines.
void serve(Peer& peer, int commands, const std::function<std::vector<std::string>(const json&)>& answer)
{
    peer.send_line(greeting);
    for (int i = 0; i < commands; ++i) {
        const json command = peer.read_command();
        for (const auto& line : answer(command))
            peer.send_line(line);
    }
}

std::string reply_to(const json& command, const std::string& body)
{
    return R"({"return": )" + body + R"(, "id": )" + command["id"].dump() + "}";
}

}  // namespace

TEST_CASE("QMP handshake, commands and events that arrive in between", "[runtime][qmp]")
{
    auto [client, peer] = connected_pair();
    std::vector<json> seen;
    std::thread qemu([&, &peer = peer] {
        serve(peer, 2, [&](const json& command) -> std::vector<std::string> {
            seen.push_back(command);
            if (command["execute"] == "qmp_capabilities")
                return {reply_to(command, "{}")};
            return {R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "POWERDOWN"})",
                    R"({"event": "RESUME", "timestamp": {"seconds": 1, "microseconds": 3}})",
                    reply_to(command, R"({"status": "running", "running": true})")};
        });
    });
    REQUIRE(client.handshake(2s));
    const auto reply = client.execute("query-status");
    qemu.join();
    REQUIRE(reply);
    CHECK(reply->ok);
    CHECK(reply->value["status"] == "running");
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == json{{"execute", "qmp_capabilities"}, {"id", 1}});
    CHECK(seen[1] == json{{"execute", "query-status"}, {"id", 2}});
    const auto first = client.pop_event();
    const auto second = client.pop_event();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->name == "POWERDOWN");
    CHECK(first->data == json::object());
    CHECK(second->name == "RESUME");
    CHECK_FALSE(client.pop_event());
}

TEST_CASE("QMP command arguments are sent, errors come back as values", "[runtime][qmp]")
{
    auto [client, peer] = connected_pair();
    json received;
    std::thread qemu([&, &peer = peer] {
        serve(peer, 2, [&](const json& command) -> std::vector<std::string> {
            if (command["execute"] == "qmp_capabilities")
                return {reply_to(command, "{}")};
            received = command;
            return {R"({"id": )" + command["id"].dump() +
                    R"(, "error": {"class": "DeviceNotFound", "desc": "Device 'nope' not found"}})"};
        });
    });
    REQUIRE(client.handshake(2s));
    const auto reply = client.execute("device_del", json{{"id", "nope"}});
    qemu.join();
    CHECK(received["arguments"] == json{{"id", "nope"}});
    REQUIRE(reply);
    CHECK_FALSE(reply->ok);
    CHECK(reply->error_class == "DeviceNotFound");
    CHECK(reply->error_desc == "Device 'nope' not found");
}

TEST_CASE("QMP messages split across reads are put back together", "[runtime][qmp]")
{
    auto [client, peer] = connected_pair();
    const std::string event = R"({"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}})";
    peer.send(event.substr(0, 17));
    CHECK_FALSE(client.wait_event(50ms));
    peer.send(event.substr(17) + "\r\n");
    const auto got = client.wait_event(1s);
    REQUIRE(got);
    CHECK(got->name == "SHUTDOWN");
    CHECK(got->data["guest"] == true);
    CHECK(got->data["reason"] == "guest-shutdown");
}

TEST_CASE("QMP wait_event gives up after its timeout", "[runtime][qmp]")
{
    auto [client, peer] = connected_pair();
    const auto before = std::chrono::steady_clock::now();
    CHECK_FALSE(client.wait_event(100ms));
    CHECK(std::chrono::steady_clock::now() - before >= 100ms);
    CHECK(client.connected());
}

TEST_CASE("QMP reports a closed connection and garbage", "[runtime][qmp]")
{
    SECTION("closed before the reply")
    {
        auto [client, peer] = connected_pair();
        std::thread qemu([&peer = peer] {
            peer.send_line(greeting);
            peer.read_command();
            peer.close();
        });
        CHECK_FALSE(client.handshake(2s));
        qemu.join();
        CHECK(client.error() == "qemu closed the QMP connection");
        CHECK_FALSE(client.connected());
        CHECK_FALSE(client.execute("quit"));
    }
    SECTION("not JSON")
    {
        auto [client, peer] = connected_pair();
        peer.send_line("Welcome to the monitor");
        CHECK_FALSE(client.handshake(1s));
        CHECK(client.error() == "QMP sent something that is not a JSON object: Welcome to the monitor");
    }
    SECTION("no greeting")
    {
        auto [client, peer] = connected_pair();
        CHECK_FALSE(client.handshake(100ms));
        CHECK(client.error() == "qemu sent no QMP greeting in time");
    }
}

TEST_CASE("connect_qmp waits for the socket to appear", "[runtime][qmp]")
{
    ezkvm::test::TempDir dir;
    const std::string path = dir / "qmp.sock";
    std::thread qemu([&] {
        std::this_thread::sleep_for(100ms);  // qemu still starting: the socket is not there yet
        auto listening = listen_unix(path, 0600);
        Peer peer(::accept4(listening->get(), nullptr, nullptr, SOCK_CLOEXEC));
        serve(peer, 1, [](const json& command) -> std::vector<std::string> { return {reply_to(command, "{}")}; });
    });
    auto connected = connect_qmp(path, 5s);
    qemu.join();
    CHECK(connected);
}

TEST_CASE("connect_qmp stops at its deadline or when told to give up", "[runtime][qmp]")
{
    ezkvm::test::TempDir dir;
    const std::string path = dir / "qmp.sock";
    auto late = connect_qmp(path, 100ms);
    REQUIRE_FALSE(late);
    CHECK(late.error().message == "QMP socket " + path + " did not appear within 100 ms");

    int died[2];
    REQUIRE(::pipe(died) == 0);
    ::close(died[1]);  // readable at once, like the pidfd of a qemu that exited
    const auto before = std::chrono::steady_clock::now();
    auto gave_up = connect_qmp(path, 10s, died[0]);
    CHECK(std::chrono::steady_clock::now() - before < 1s);
    REQUIRE_FALSE(gave_up);
    CHECK(gave_up.error().message == "gave up waiting for QMP");
    ::close(died[0]);
}
