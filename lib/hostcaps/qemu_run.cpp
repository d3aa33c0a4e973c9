#include "hostcaps/qemu_run.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ezkvm::hostcaps {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
    Fd read, write;
};

std::optional<Pipe> make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return std::nullopt;
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// A socket pair rather than a pipe, so writing to a qemu that died already is
// an error (MSG_NOSIGNAL), not a SIGPIPE.
std::optional<Pipe> make_input()
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return std::nullopt;
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// Appends what is there to `to`; false at end of file or on an error.
bool drain(Fd& fd, std::string& to)
{
    char buf[16384];
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
        to.append(buf, static_cast<size_t>(n));
        return true;
    }
    if (n < 0 && errno == EINTR)
        return true;
    fd.reset();
    return false;
}

}  // namespace

Result<QemuRun> run_qemu(const QemuRunOptions& options)
{
    QemuRun run;
    auto in = make_input(), out = make_pipe(), err = make_pipe();
    if (!in || !out || !err)
        return errno_error("cannot make pipes for qemu", errno);
    SpawnOptions spawn_options;
    spawn_options.stdin_fd = in->read.get();
    spawn_options.stdout_fd = out->write.get();
    spawn_options.stderr_fd = err->write.get();
    spawn_options.pass_fds = options.pass_fds;
    auto spawned = spawn(options.argv, spawn_options);
    in->read.reset();
    out->write.reset();
    err->write.reset();
    if (!spawned)
        return spawned.error();
    auto& qemu = *spawned;
    // Small enough for the socket buffer: written at once, then EOF.
    if (!options.input.empty())
        [[maybe_unused]] auto ignored =
            ::send(in->write.get(), options.input.data(), options.input.size(), MSG_NOSIGNAL);
    in->write.reset();

    auto deadline = Clock::now() + options.timeout;
    bool output_seen = false;
    while (out->read || err->read || qemu.running()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            break;
        pollfd fds[3] = {{out->read.get(), POLLIN, 0}, {err->read.get(), POLLIN, 0}, {qemu.pidfd(), POLLIN, 0}};
        if (::poll(fds, 3, static_cast<int>(left.count())) < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            drain(out->read, run.out);
        if (fds[1].revents)
            drain(err->read, run.err);
        if (fds[2].revents)
            qemu.try_wait();
        if (!output_seen && !run.out.empty() && options.after_output) {
            output_seen = true;
            deadline = std::min(deadline, Clock::now() + *options.after_output);
        }
    }
    run.status = qemu.try_wait();
    if (!run.status) {
        qemu.signal(SIGKILL);
        qemu.wait();
    }
    return run;
}

}  // namespace ezkvm::hostcaps
