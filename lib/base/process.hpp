#pragma once
// Child processes started from an argv vector (fork + exec, never a shell),
// tracked through a pidfd so waiting can have a timeout and be polled.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/owner.hpp"
#include "base/result.hpp"

namespace ezkvm {

struct ExitStatus {
    int code = 0;    // exit code when signal == 0
    int signal = 0;  // the signal that killed it, 0 when it exited

    bool success() const { return signal == 0 && code == 0; }
    std::string describe() const;  // "exited with status 3", "was killed by signal 9 (Killed)"
};

struct SpawnOptions {
    // -1: /dev/null for stdin, inherit ezkvm's stdout/stderr.
    int stdin_fd = -1;
    int stdout_fd = -1;
    int stderr_fd = -1;
    std::vector<int> pass_fds;     // stay open in the child under the same numbers
    std::vector<int> numbered_fds; // open in the child as fds 3, 4, ... (in this order; not with pass_fds)
    bool own_process_group = true; // Ctrl-C on the terminal reaches ezkvm only
    bool die_with_parent = true;   // SIGTERM when ezkvm dies, so nothing outlives it
    // Root doing work for a VM's user does it as that user (no supplementary groups).
    std::optional<Owner> run_as;
};

class Process {
public:
    Process(pid_t pid, Fd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    Process(Process&&) = default;
    Process& operator=(Process&&) = default;

    pid_t pid() const { return pid_; }
    // Readable once the process has exited (for poll()).
    int pidfd() const { return pidfd_.get(); }
    bool running() const { return !status_; }

    // The exit status when it has exited, without blocking.
    std::optional<ExitStatus> try_wait();
    // Waits at most `timeout`; nullopt when it is still running.
    std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
    ExitStatus wait();
    void signal(int sig) const;
    // SIGTERM, up to `grace` to exit, then SIGKILL.
    ExitStatus terminate(std::chrono::milliseconds grace);

private:
    pid_t pid_;
    Fd pidfd_;
    std::optional<ExitStatus> status_;
};

// Makes fds[k] this process's fd first + k, inheritable across exec (the sources stay
// open). Async-signal-safe, for a forked child; false when a dup failed.
bool place_numbered_fds(const std::vector<int>& fds, int first);

// Starts argv[0] (looked up in PATH when it has no '/'). The error says
// "cannot run qemu-img: No such file or directory".
Result<Process> spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});

struct Captured {
    ExitStatus status;
    std::string output;  // stdout and stderr interleaved
};

// Runs argv to completion and collects what it printed; an error when it could not be started.
Result<Captured> run_capture(const std::vector<std::string>& argv, SpawnOptions options = {});

}  // namespace ezkvm
