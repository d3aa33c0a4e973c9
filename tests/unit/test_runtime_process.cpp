#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include "runtime/process.hpp"

using namespace ezkvm::runtime;
using namespace std::chrono_literals;

TEST_CASE("spawn runs a program and reports how it ended", "[runtime][process]")
{
    auto ok = spawn({"true"});
    REQUIRE(ok.process);
    CHECK(ok.process->wait().success());

    auto failed = spawn({"false"});
    REQUIRE(failed.process);
    const ExitStatus status = failed.process->wait();
    CHECK(status.code == 1);
    CHECK(status.signal == 0);
    CHECK(status.describe() == "exited with status 1");
}

TEST_CASE("spawn reports a program that cannot be started", "[runtime][process]")
{
    auto missing = spawn({"/nonexistent/qemu-system-x86_64", "-version"});
    CHECK_FALSE(missing.process);
    CHECK(missing.error == "cannot run /nonexistent/qemu-system-x86_64: No such file or directory");

    auto captured = run_capture({"/nonexistent/qemu-img"});
    CHECK_FALSE(captured.result);
    CHECK(captured.error.find("No such file or directory") != std::string::npos);
}

TEST_CASE("run_capture collects stdout and stderr, arguments are not split by a shell", "[runtime][process]")
{
    auto run = run_capture({"printf", "%s|%s", "a b", "$HOME;"});
    REQUIRE(run.result);
    CHECK(run.result->status.success());
    CHECK(run.result->output == "a b|$HOME;");

    auto err = run_capture({"ls", "/nonexistent-dir"});
    REQUIRE(err.result);
    CHECK_FALSE(err.result->status.success());
    CHECK(err.result->output.find("/nonexistent-dir") != std::string::npos);
}

TEST_CASE("spawn passes the chosen descriptors and no others", "[runtime][process]")
{
    int passed[2], kept_back[2], out[2];
    REQUIRE(::pipe2(passed, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(kept_back, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    // Without a shell: the child lists what its descriptors point to ("pipe:[inode]").
    SpawnOptions options;
    options.stdout_fd = out[1];
    options.pass_fds = {passed[1]};
    auto ls = spawn({"ls", "-l", "/proc/self/fd"}, options);
    REQUIRE(ls.process);
    ::close(out[1]);
    std::string listing;
    char buf[512];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
        listing.append(buf, static_cast<size_t>(n));
    CHECK(ls.process->wait().success());
    auto has = [&](int fd) {
        struct stat st;
        ::fstat(fd, &st);
        return listing.find("pipe:[" + std::to_string(st.st_ino) + "]") != std::string::npos;
    };
    CHECK(has(passed[1]));
    CHECK(listing.find(" " + std::to_string(passed[1]) + " -> pipe:") != std::string::npos);
    CHECK_FALSE(has(kept_back[1]));
    for (int fd : {passed[0], passed[1], kept_back[0], kept_back[1], out[0]})
        ::close(fd);
}

TEST_CASE("children run in their own process group", "[runtime][process]")
{
    auto sleeper = spawn({"sleep", "30"});
    REQUIRE(sleeper.process);
    CHECK(::getpgid(sleeper.process->pid()) == sleeper.process->pid());
    sleeper.process->terminate(2s);
}

TEST_CASE("wait_for times out on a running process; terminate ends it", "[runtime][process]")
{
    auto sleeper = spawn({"sleep", "30"});
    REQUIRE(sleeper.process);
    const auto before = std::chrono::steady_clock::now();
    CHECK_FALSE(sleeper.process->wait_for(100ms));
    CHECK(std::chrono::steady_clock::now() - before >= 100ms);
    CHECK(sleeper.process->running());
    const ExitStatus status = sleeper.process->terminate(2s);
    CHECK(status.signal == SIGTERM);
    CHECK(status.describe() == "was killed by signal 15 (Terminated)");
    CHECK_FALSE(sleeper.process->running());
}

TEST_CASE("terminate escalates to SIGKILL when SIGTERM is ignored", "[runtime][process]")
{
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    SpawnOptions options;
    options.stdout_fd = out[1];
    auto stubborn = spawn({"python3", "-c",
                           "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                           "print('ready', flush=True); time.sleep(30)"},
                          options);
    REQUIRE(stubborn.process);
    ::close(out[1]);
    char buf[16];
    REQUIRE(::read(out[0], buf, sizeof buf) > 0);  // SIGTERM is ignored from here on
    const auto before = std::chrono::steady_clock::now();
    const ExitStatus status = stubborn.process->terminate(300ms);
    ::close(out[0]);
    INFO(status.describe());
    CHECK(status.signal == SIGKILL);
    CHECK(std::chrono::steady_clock::now() - before >= 300ms);
}
