#include <catch2/catch.hpp>

#include <fcntl.h>

#include "hostcaps/capabilities.hpp"
#include "hostcaps/guest_check.hpp"
#include "runtime/guest_watch.hpp"
#include "base/process.hpp"
#include "test_runtime_support.hpp"

using namespace ezkvm;
using namespace ezkvm::runtime;
using namespace std::chrono_literals;

TEST_CASE("a guest that panics under a live qemu is seen dead (real qemu, TCG, pvpanic)")
{
    test::TempDir dir;
    const auto image = hostcaps::guest_check_image();
    REQUIRE(image);
    // The guest check ends by writing an odd value to port 0xf4; with a pvpanic
    // device there instead of isa-debug-exit, that is a panic; qemu pauses (VMs
    // get panic=exit-failure, so their units fail even without a watch).
    const std::string qmp_path = dir / "qmp.sock";
    const std::vector<std::string> argv{hostcaps::qemu_binary, "-accel", "tcg", "-nodefaults", "-display", "none",
                                        "-machine", "pc", "-m", "16", "-S",
                                        "-bios", "/proc/self/fd/" + std::to_string(image.get()),
                                        "-device", "pvpanic,ioport=0xf4", "-action", "panic=pause",
                                        "-chardev", "socket,id=qmp,path=" + qmp_path + ",server=on,wait=off",
                                        "-mon", "chardev=qmp,mode=control"};
    SpawnOptions options;
    options.pass_fds = {image.get()};
    Fd quiet(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    options.stderr_fd = quiet.get();  // "terminating on signal 15" at the end
    auto qemu = spawn(argv, options);
    REQUIRE(qemu);
    auto connected = connect_qmp(qmp_path, 30s, qemu->pidfd());
    REQUIRE(connected);
    auto& qmp = *connected;
    CHECK_FALSE(guest_death(qmp));  // paused before it ran: not dead
    REQUIRE(qmp.execute("cont"));
    std::optional<std::string> death;
    for (int i = 0; i < 100 && !death; ++i) {
        pollfd pfd{qmp.fd(), POLLIN, 0};
        ::poll(&pfd, 1, 300);
        qmp.receive();
        death = guest_death(qmp);
    }
    CHECK(death == "the guest panicked");
    const auto status = qmp.execute("query-status");
    REQUIRE(status);
    CHECK(status->value.value("status", "") == "guest-panicked");
    qemu->terminate(5s);
}

TEST_CASE("run states that mean the guest is dead")
{
    CHECK(death_of_state("internal-error"));
    CHECK(death_of_state("guest-panicked") == "the guest panicked");
    CHECK_FALSE(death_of_state("running"));
    CHECK_FALSE(death_of_state("paused"));
    CHECK_FALSE(death_of_state("io-error"));  // the disk may come back: qemu waits (werror=stop)
}
