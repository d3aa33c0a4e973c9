#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <thread>

#include "net/bridge_acl.hpp"
#include "net/bridge_tap.hpp"

using namespace ezkvm;
using namespace ezkvm::net;

namespace {

struct AclRoot {
    std::filesystem::path dir;
    AclRoot()
    {
        char tmpl[] = "/tmp/ezkvm-acl-XXXXXX";
        dir = ::mkdtemp(tmpl);
        std::filesystem::create_directories(dir / "etc/qemu");
    }
    ~AclRoot() { std::filesystem::remove_all(dir); }
    void write(const std::string& path, const std::string& text) const { std::ofstream(dir.string() + path) << text; }
    Result<bool> allowed(const std::string& bridge) const
    {
        return bridge_allowed(dir.string(), bridge_acl_file, bridge);
    }
};

}  // namespace

TEST_CASE("bridge.conf: allowed when an allow line names the bridge and no deny line does")
{
    AclRoot root;
    SECTION("no file allows nothing")
    {
        REQUIRE(root.allowed("br0").ok());
        CHECK_FALSE(*root.allowed("br0"));
    }
    SECTION("allow by name, comments and blank lines")
    {
        root.write(bridge_acl_file, "# users may use br0\n\nallow br0  # the LAN\n");
        CHECK(*root.allowed("br0"));
        CHECK_FALSE(*root.allowed("br1"));
    }
    SECTION("allow all, deny one: deny wins whatever the order")
    {
        root.write(bridge_acl_file, "deny virbr0\nallow all\n");
        CHECK(*root.allowed("br0"));
        CHECK_FALSE(*root.allowed("virbr0"));
    }
    SECTION("deny all wins over allow")
    {
        root.write(bridge_acl_file, "allow br0\ndeny all\n");
        CHECK_FALSE(*root.allowed("br0"));
    }
    SECTION("include, as qemu-bridge-helper reads it")
    {
        root.write(bridge_acl_file, "include /etc/qemu/alice.conf\n");
        root.write("/etc/qemu/alice.conf", "allow br-alice\n");
        CHECK(*root.allowed("br-alice"));
        CHECK_FALSE(*root.allowed("br0"));
    }
    SECTION("errors name the file and line")
    {
        root.write(bridge_acl_file, "allow br0\npermit br1\n");
        const auto result = root.allowed("br0");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().message == "/etc/qemu/bridge.conf:2: unknown rule 'permit' (allow, deny or include)");
    }
    SECTION("an include loop ends with an error, not a hang")
    {
        root.write(bridge_acl_file, "include /etc/qemu/bridge.conf\n");
        const auto result = root.allowed("br0");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().message.find("nested more than 8 deep") != std::string::npos);
    }
    SECTION("a missing include is an error")
    {
        root.write(bridge_acl_file, "include /etc/qemu/gone.conf\n");
        CHECK_FALSE(root.allowed("br0").ok());
    }
}

TEST_CASE("bridge tap requests: only a VM name, a NIC index and an interface name get through")
{
    const auto good = decode_request(encode_request({"desktop", 1, "br0"}));
    REQUIRE(good.ok());
    CHECK(good->vm == "desktop");
    CHECK(good->nic == 1);
    CHECK(good->bridge == "br0");
    for (const char* bad : {
             R"({"vm":"../etc","nic":0,"bridge":"br0"})",
             R"({"vm":"desktop","nic":-1,"bridge":"br0"})",
             R"({"vm":"desktop","nic":64,"bridge":"br0"})",
             R"({"vm":"desktop","nic":0,"bridge":"br0/../x"})",
             R"({"vm":"desktop","nic":0,"bridge":"a-very-long-bridge-name"})",
             R"({"vm":"desktop","nic":0,"bridge":"br 0"})",
             R"({"vm":"desktop","nic":0,"bridge":"br0","extra":1})",
             R"({"vm":"desktop","nic":"0","bridge":"br0"})",
             R"(["desktop",0,"br0"])",
             "not json",
         })
        CHECK_FALSE(decode_request(bad).ok());
}

TEST_CASE("user tap names: fit IFNAMSIZ, differ by user and by VM")
{
    const auto name = user_tap_name(1000, std::string(64, 'v'), 63);
    CHECK(name.size() <= 15);
    CHECK(valid_interface_name(name));
    CHECK(user_tap_name(1000, "desktop", 0) != user_tap_name(1001, "desktop", 0));
    CHECK(user_tap_name(1000, "desktop", 0) != user_tap_name(1000, "desktop2", 0));
    CHECK(user_tap_name(1000, "desktop", 0).ends_with("u0"));
}

TEST_CASE("bridge tap protocol: the fd crosses the socket with the reply; an error carries its hint")
{
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    Fd client(pair[0]), server(pair[1]);
    const timeval timeout{10, 0};  // a server that gave up must not hang the test
    ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);

    // The server side in a thread (Catch2 assertions stay in this one).
    std::string first_vm, second_bridge;
    bool replies_sent = false;
    std::thread serve([&] {
        auto request = read_request(server.get());
        if (!request)
            return;
        first_vm = request->vm;
        const bool sent = send_reply(server.get(), write_end.get(), "ez12345678u0").ok();
        auto second = read_request(server.get());
        if (!second)
            return;
        second_bridge = second->bridge;
        replies_sent = sent && send_reply(server.get(), -1, "", "br9 is not allowed",
                                          "add 'allow br9' to /etc/qemu/bridge.conf")
                                   .ok();
    });
    const std::string line = encode_request({"desktop", 0, "br0"});
    REQUIRE(::write(client.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    char buffer[256];
    msghdr msg{};
    iovec iov{buffer, sizeof(buffer)};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    REQUIRE(::recvmsg(client.get(), &msg, 0) > 0);
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    REQUIRE(cmsg != nullptr);
    REQUIRE(cmsg->cmsg_type == SCM_RIGHTS);
    int passed = -1;
    std::memcpy(&passed, CMSG_DATA(cmsg), sizeof(int));
    Fd passed_fd(passed);
    struct stat mine{}, theirs{};
    REQUIRE(::fstat(passed_fd.get(), &theirs) == 0);
    REQUIRE(::fstat(write_end.get(), &mine) == 0);
    CHECK(mine.st_ino == theirs.st_ino);  // the very pipe the server sent

    const std::string second = encode_request({"desktop", 1, "br9"});
    REQUIRE(::write(client.get(), second.data(), second.size()) == static_cast<ssize_t>(second.size()));
    const ssize_t got = ::read(client.get(), buffer, sizeof(buffer));
    REQUIRE(got > 0);
    const std::string reply(buffer, static_cast<size_t>(got));
    CHECK(reply.find("\"error\":\"br9 is not allowed\"") != std::string::npos);
    serve.join();
    CHECK(first_vm == "desktop");
    CHECK(second_bridge == "br9");
    CHECK(replies_sent);
    CHECK(reply.find("\"hint\":\"add 'allow br9' to /etc/qemu/bridge.conf\"") != std::string::npos);
}
