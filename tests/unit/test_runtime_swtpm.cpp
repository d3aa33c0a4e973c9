#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/prepare.hpp"
#include "runtime/swtpm.hpp"
#include "base/unix_socket.hpp"
#include "test_runtime_support.hpp"

using namespace ezkvm;
using namespace ezkvm::runtime;
using namespace std::chrono_literals;
using ezkvm::test::TempDir;
using ezkvm::test::write_file;

namespace {

struct Fixture {
    TempDir dir;
    config::VmSpec spec;
    VmPaths paths;

    Fixture()
    {
        spec.system.bios.type = config::FirmwareType::Seabios;
        spec.system.tpm.type = config::TpmType::Swtpm;
        paths = VmPaths{dir / "run", dir / "state", dir / "creds"};
    }

    void prepare_state()
    {
        PrepareInput input;
        input.spec = &spec;
        input.paths = paths;
        Diagnostics diags;
        prepare(input, diags);
        REQUIRE(diags.empty());
    }
};

// swtpm's control channel: CMD_GET_CAPABILITY (1) answers with a result code and a capability mask.
bool answers_get_capability(const std::string& socket)
{
    auto client = connect_unix(socket);
    if (!client)
        return false;
    const uint32_t command = htonl(1);
    if (::write(client->get(), &command, sizeof command) != sizeof command)
        return false;
    pollfd pfd{client->get(), POLLIN, 0};
    if (::poll(&pfd, 1, 5000) != 1)
        return false;
    uint32_t reply[2] = {};
    const ssize_t n = ::read(client->get(), reply, sizeof reply);
    return n == sizeof reply && ntohl(reply[0]) == 0 && ntohl(reply[1]) != 0;
}

}  // namespace

TEST_CASE("swtpm answers on its socket as soon as start() returns", "[runtime][swtpm]")
{
    Fixture f;
    f.prepare_state();
    Diagnostics diags;
    auto tpm = Swtpm::start(f.spec, f.paths, Owner::current(), diags);
    REQUIRE(diags.empty());
    REQUIRE(tpm);
    CHECK(tpm->socket_path() == f.paths.swtpm());
    CHECK(answers_get_capability(f.paths.swtpm()));
    CHECK((ezkvm::test::stat_of(f.paths.swtpm()).st_mode & 0777) == 0600);
    tpm->stop(1s);
    CHECK_FALSE(std::filesystem::exists(f.paths.swtpm()));
}

TEST_CASE("swtpm uses tpm.socket and a tpm.disk state file", "[runtime][swtpm]")
{
    Fixture f;
    f.spec.system.tpm.socket = f.dir / "my-tpm.sock";
    f.spec.system.tpm.disk = f.dir / "tpm.bin";
    f.prepare_state();
    Diagnostics diags;
    auto tpm = Swtpm::start(f.spec, f.paths, Owner::current(), diags);
    REQUIRE(tpm);
    CHECK(answers_get_capability(f.dir / "my-tpm.sock"));
    tpm->stop(1s);
}

TEST_CASE("a stale TPM socket is replaced, a live one or a file in its place is an error", "[runtime][swtpm]")
{
    Fixture f;
    f.prepare_state();
    SECTION("stale socket from a crashed run")
    {
        { auto old = listen_unix(f.paths.swtpm(), 0600); }  // closed again: nobody answers
        REQUIRE(std::filesystem::exists(f.paths.swtpm()));
        Diagnostics diags;
        auto tpm = Swtpm::start(f.spec, f.paths, Owner::current(), diags);
        REQUIRE(tpm);
        CHECK(answers_get_capability(f.paths.swtpm()));
        tpm->stop(1s);
    }
    SECTION("somebody listens there")
    {
        auto other = listen_unix(f.paths.swtpm(), 0600);
        Diagnostics diags;
        CHECK_FALSE(Swtpm::start(f.spec, f.paths, Owner::current(), diags));
        REQUIRE(diags.error_count() == 1);
        CHECK(diags.items()[0].message == "the TPM socket " + f.paths.swtpm() + " is in use by another process");
    }
    SECTION("a regular file")
    {
        write_file(f.paths.swtpm(), "x");
        Diagnostics diags;
        CHECK_FALSE(Swtpm::start(f.spec, f.paths, Owner::current(), diags));
        REQUIRE(diags.error_count() == 1);
        CHECK(diags.items()[0].message == f.paths.swtpm() + " is in the way of the TPM socket: it is not a socket");
    }
}

TEST_CASE("a missing swtpm binary is reported and the socket removed", "[runtime][swtpm]")
{
    Fixture f;
    f.prepare_state();
    Diagnostics diags;
    CHECK_FALSE(Swtpm::start(f.spec, f.paths, Owner::current(), diags, "/nonexistent/swtpm"));
    REQUIRE(diags.error_count() == 1);
    CHECK(diags.items()[0].message == "cannot run /nonexistent/swtpm: No such file or directory");
    CHECK_FALSE(std::filesystem::exists(f.paths.swtpm()));
}
