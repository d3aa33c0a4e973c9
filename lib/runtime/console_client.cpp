#include "runtime/console_client.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ezkvm::runtime {
namespace {

// Writes all of `data` to a descriptor that may be non-blocking.
bool write_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
        } else if (n < 0 && errno == EAGAIN) {
            pollfd pfd{fd, POLLOUT, 0};
            ::poll(&pfd, 1, -1);
        } else if (n < 0 && errno != EINTR) {
            return false;
        }
    }
    return true;
}

// One read; nullopt-like: returns -1 on a retryable condition.
ssize_t read_some(int fd, char* buf, size_t size)
{
    const ssize_t n = ::read(fd, buf, size);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return -2;
    return n;
}

}  // namespace

EscapeScan scan_for_escape(std::string_view input, char escape)
{
    const size_t at = input.find(escape);
    if (at == std::string_view::npos)
        return {input, false};
    return {input.substr(0, at), true};
}

Result<ConsoleEnd> run_console_client(ConsoleClientOptions opts, StopSignals& signals)
{
    char buf[65536];
    for (;;) {
        pollfd fds[3] = {{signals.fd(), POLLIN, 0}, {opts.console.get(), POLLIN, 0}, {opts.input_fd, POLLIN, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return errno_error("poll", errno);
        }
        if (fds[0].revents) {
            for (int sig : signals.take())
                if (StopSignals::is_stop_request(sig))
                    return ConsoleEnd::Signal;
        }
        // The guest's output first, so what arrived before the console closed is shown.
        if (fds[1].revents) {
            const ssize_t n = read_some(opts.console.get(), buf, sizeof buf);
            if (n == 0 || (n == -1 && errno == ECONNRESET))
                return ConsoleEnd::ConsoleClosed;
            if (n == -1)
                return errno_error("cannot read the console", errno);
            if (n > 0 && !write_all(opts.output_fd, std::string_view(buf, static_cast<size_t>(n))))
                return errno_error("cannot write the console's output", errno);
        }
        if (fds[2].revents) {
            const ssize_t n = read_some(opts.input_fd, buf, sizeof buf);
            if (n == 0)
                return ConsoleEnd::InputEnded;
            if (n == -1)
                return errno_error("cannot read input", errno);
            if (n > 0) {
                const EscapeScan scan = scan_for_escape(std::string_view(buf, static_cast<size_t>(n)), opts.escape);
                if (!write_all(opts.console.get(), scan.forward))
                    return ConsoleEnd::ConsoleClosed;
                if (scan.detach)
                    return ConsoleEnd::Detached;
            }
        }
    }
}

}  // namespace ezkvm::runtime
