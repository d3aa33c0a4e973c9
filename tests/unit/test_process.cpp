#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <vector>

#include "base/process.hpp"

using namespace ezkvm;
using namespace std::chrono_literals;

TEST_CASE("spawn runs a program and reports how it ended", "[runtime][process]")
{
    auto ok = spawn({"true"});
    REQUIRE(ok);
    CHECK(ok->wait().success());

    auto failed = spawn({"false"});
    REQUIRE(failed);
    const ExitStatus status = failed->wait();
    CHECK(status.code == 1);
    CHECK(status.signal == 0);
    CHECK(status.describe() == "exited with status 1");
}

TEST_CASE("spawn reports a program that cannot be started", "[runtime][process]")
{
    auto missing = spawn({"/nonexistent/qemu-system-x86_64", "-version"});
    CHECK_FALSE(missing);
    CHECK(missing.error().message == "cannot run /nonexistent/qemu-system-x86_64: No such file or directory");

    auto captured = run_capture({"/nonexistent/qemu-img"});
    CHECK_FALSE(captured);
    CHECK(captured.error().message.find("No such file or directory") != std::string::npos);
}

TEST_CASE("run_capture collects stdout and stderr, arguments are not split by a shell", "[runtime][process]")
{
    auto run = run_capture({"printf", "%s|%s", "a b", "$HOME;"});
    REQUIRE(run);
    CHECK(run->status.success());
    CHECK(run->output == "a b|$HOME;");

    auto err = run_capture({"ls", "/nonexistent-dir"});
    REQUIRE(err);
    CHECK_FALSE(err->status.success());
    CHECK(err->output.find("/nonexistent-dir") != std::string::npos);
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
    REQUIRE(ls);
    ::close(out[1]);
    std::string listing;
    char buf[512];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
        listing.append(buf, static_cast<size_t>(n));
    CHECK(ls->wait().success());
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

TEST_CASE("spawn places numbered descriptors at 3, 4, ... even when they start there swapped", "[runtime][process]")
{
    // Everything this test opens lives at 50 and above, except the two sources it puts
    // where the other one must go: 3 holds what becomes 4 and the other way round.
    // Whatever the test runner has at 3 and 4 is put back afterwards.
    const auto high = [](int fd) {
        const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 50);
        ::close(fd);
        return moved;
    };
    struct Saved {
        int fd, copy, flags;
    };
    std::vector<Saved> saved;
    for (int fd : {3, 4})
        if (const int flags = ::fcntl(fd, F_GETFD); flags >= 0)
            saved.push_back({fd, ::fcntl(fd, F_DUPFD_CLOEXEC, 50), flags});
    int first[2], second[2];
    REQUIRE(::pipe2(first, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(second, O_CLOEXEC) == 0);
    for (int* end : {&first[0], &first[1], &second[0], &second[1]})
        *end = high(*end);
    REQUIRE(::dup3(first[1], 4, O_CLOEXEC) == 4);
    REQUIRE(::dup3(second[1], 3, O_CLOEXEC) == 3);
    ::close(first[1]);
    ::close(second[1]);

    SpawnOptions options;
    options.numbered_fds = {4, 3};
    auto sh = spawn({"/bin/sh", "-c", "echo to-three >&3; echo to-four >&4"}, options);
    REQUIRE(sh);
    CHECK(sh->wait().success());
    ::close(3);
    ::close(4);
    for (const auto& s : saved) {
        ::dup2(s.copy, s.fd);
        ::fcntl(s.fd, F_SETFD, s.flags);
        ::close(s.copy);
    }
    const auto drain = [](int fd) {
        std::string text;
        char buf[64];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
            text.append(buf, static_cast<size_t>(n));
        ::close(fd);
        return text;
    };
    CHECK(drain(first[0]) == "to-three\n");
    CHECK(drain(second[0]) == "to-four\n");
}

TEST_CASE("children run in their own process group", "[runtime][process]")
{
    auto sleeper = spawn({"sleep", "30"});
    REQUIRE(sleeper);
    CHECK(::getpgid(sleeper->pid()) == sleeper->pid());
    sleeper->terminate(2s);
}

TEST_CASE("wait_for times out on a running process; terminate ends it", "[runtime][process]")
{
    auto sleeper = spawn({"sleep", "30"});
    REQUIRE(sleeper);
    const auto before = std::chrono::steady_clock::now();
    CHECK_FALSE(sleeper->wait_for(100ms));
    CHECK(std::chrono::steady_clock::now() - before >= 100ms);
    CHECK(sleeper->running());
    const ExitStatus status = sleeper->terminate(2s);
    CHECK(status.signal == SIGTERM);
    CHECK(status.describe() == "was killed by signal 15 (Terminated)");
    CHECK_FALSE(sleeper->running());
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
    REQUIRE(stubborn);
    ::close(out[1]);
    char buf[16];
    REQUIRE(::read(out[0], buf, sizeof buf) > 0);  // SIGTERM is ignored from here on
    const auto before = std::chrono::steady_clock::now();
    const ExitStatus status = stubborn->terminate(300ms);
    ::close(out[0]);
    INFO(status.describe());
    CHECK(status.signal == SIGKILL);
    CHECK(std::chrono::steady_clock::now() - before >= 300ms);
}
