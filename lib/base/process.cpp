#include "base/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <fmt/format.h>

namespace ezkvm {
namespace {

// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37): call the kernel directly.
int open_pidfd(pid_t pid)
{
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

void send_signal(int pidfd, int sig)
{
    ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0);
}

ExitStatus from_wait_status(int status)
{
    if (WIFSIGNALED(status))
        return {0, WTERMSIG(status)};
    return {WEXITSTATUS(status), 0};
}

// Puts `fd` at `target` in the child, inheritable.
void place_fd(int fd, int target)
{
    if (fd == target)
        ::fcntl(fd, F_SETFD, 0);
    else
        ::dup2(fd, target);
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(char* const* argv, const SpawnOptions& options, int stdin_fd, pid_t parent,
                             int error_pipe)
{
    if (options.own_process_group)
        ::setpgid(0, 0);
    if (options.die_with_parent) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent)
            ::_exit(127);
    }
    // Blocked and ignored signals survive exec; the child starts from the defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGHUP, SIGQUIT})
        ::signal(sig, SIG_DFL);
    place_fd(stdin_fd, STDIN_FILENO);
    if (options.stdout_fd >= 0)
        place_fd(options.stdout_fd, STDOUT_FILENO);
    if (options.stderr_fd >= 0)
        place_fd(options.stderr_fd, STDERR_FILENO);
    for (int fd : options.pass_fds)
        ::fcntl(fd, F_SETFD, 0);
    if (options.run_as && (::setgroups(0, nullptr) != 0 || ::setresgid(options.run_as->gid, options.run_as->gid,
                                                                        options.run_as->gid) != 0 ||
                           ::setresuid(options.run_as->uid, options.run_as->uid, options.run_as->uid) != 0)) {
        const int error = errno;
        [[maybe_unused]] auto ignored = ::write(error_pipe, &error, sizeof error);
        ::_exit(127);
    }
    if (options.run_as && options.die_with_parent)  // a change of user cleared it
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int numbered = static_cast<int>(options.numbered_fds.size());
    if (numbered > 0)  // out of the way of the numbered ones
        error_pipe = ::fcntl(error_pipe, F_DUPFD_CLOEXEC, STDERR_FILENO + 1 + numbered);
    if (place_numbered_fds(options.numbered_fds, STDERR_FILENO + 1))
        ::execvp(argv[0], argv);
    const int error = errno;
    [[maybe_unused]] auto ignored = ::write(error_pipe, &error, sizeof error);
    ::_exit(127);
}

}  // namespace

bool place_numbered_fds(const std::vector<int>& fds, int first)
{
    // All copied above the target range before any is placed, so no dup2 closes a
    // source still to be placed. A fixed array: no allocation after fork.
    constexpr size_t most = 64;
    int copies[most];
    if (fds.size() > most)
        return false;
    const int above = first + static_cast<int>(fds.size());
    for (size_t k = 0; k < fds.size(); ++k)
        if ((copies[k] = ::fcntl(fds[k], F_DUPFD_CLOEXEC, above)) < 0)
            return false;
    for (size_t k = 0; k < fds.size(); ++k) {
        if (::dup2(copies[k], first + static_cast<int>(k)) < 0)
            return false;
        ::close(copies[k]);
    }
    return true;
}

std::string ExitStatus::describe() const
{
    if (signal != 0)
        return fmt::format("was killed by signal {} ({})", signal, ::strsignal(signal));
    return fmt::format("exited with status {}", code);
}

std::optional<ExitStatus> Process::try_wait()
{
    if (status_)
        return status_;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_)
        status_ = from_wait_status(status);
    return status_;
}

std::optional<ExitStatus> Process::wait_for(std::chrono::milliseconds timeout)
{
    if (status_)
        return status_;
    pollfd pfd{pidfd_.get(), POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        const int r = ::poll(&pfd, 1, static_cast<int>(std::max<long long>(0, left.count())));
        if (r >= 0 || errno != EINTR)
            return try_wait();
    }
}

ExitStatus Process::wait()
{
    while (!status_) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, 0);
        if (r == pid_)
            status_ = from_wait_status(status);
        else if (r < 0 && errno != EINTR)
            status_ = ExitStatus{127, 0};  // not our child any more: nothing left to wait for
    }
    return *status_;
}

void Process::signal(int sig) const
{
    if (!status_)
        send_signal(pidfd_.get(), sig);
}

ExitStatus Process::terminate(std::chrono::milliseconds grace)
{
    signal(SIGTERM);
    if (auto status = wait_for(grace))
        return *status;
    signal(SIGKILL);
    return wait();
}

Result<Process> spawn(const std::vector<std::string>& argv, const SpawnOptions& options)
{
    if (argv.empty())
        return Error{"cannot run an empty command", EINVAL};
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    Fd devnull;
    int stdin_fd = options.stdin_fd;
    if (stdin_fd < 0) {
        devnull.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        stdin_fd = devnull.get();
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return errno_error(fmt::format("cannot run {}", argv[0]), errno);
    Fd error_read(pipe_fds[0]), error_write(pipe_fds[1]);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0)
        return errno_error(fmt::format("cannot run {}", argv[0]), errno);
    if (pid == 0)
        exec_child(args.data(), options, stdin_fd, parent, error_write.get());
    error_write.reset();

    // The pipe closes without data when exec succeeded.
    int exec_error = 0;
    ssize_t got;
    do
        got = ::read(error_read.get(), &exec_error, sizeof exec_error);
    while (got < 0 && errno == EINTR);
    Fd pidfd(open_pidfd(pid));
    Process process(pid, std::move(pidfd));
    if (got == sizeof exec_error) {
        process.wait();
        return errno_error(fmt::format("cannot run {}", argv[0]), exec_error);
    }
    return process;
}

Result<Captured> run_capture(const std::vector<std::string>& argv, SpawnOptions options)
{
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return errno_error(fmt::format("cannot run {}", argv.empty() ? "" : argv[0]), errno);
    Fd out_read(pipe_fds[0]), out_write(pipe_fds[1]);
    options.stdout_fd = out_write.get();
    options.stderr_fd = out_write.get();
    auto started = spawn(argv, options);
    out_write.reset();
    if (!started)
        return started.error();
    std::string output;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(out_read.get(), buf, sizeof buf);
        if (n > 0)
            output.append(buf, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR)
            break;
    }
    return Captured{started->wait(), std::move(output)};
}

}  // namespace ezkvm
