// The unit's one resident helper, started by wait-ready before the guest runs
// and living as long as qemu:
// - the guest's serial console to the unit's journal (a stream of its own,
//   see guest_log) and to console-attach.sock for `ezkvm console` (runtime/console_relay.hpp), with
//   the console connected by wait-ready (--console-fd) or here;
// - the guest watch (runtime/guest_watch.hpp) on qemu's second QMP socket:
//   when the guest dies under a live qemu (a KVM internal error, a panic), it
//   says why and kills qemu, so the unit fails instead of staying active.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <poll.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "helpers/helper.hpp"
#include "runtime/console_relay.hpp"
#include "runtime/guest_watch.hpp"
#include "base/unix_socket.hpp"

namespace ezkvm::helper {
namespace {

using namespace std::chrono_literals;

// The kernel-style prefix journald reads as the priority of a stderr line.
constexpr const char* error_prefix = "<3>";

Fd open_console(const Invocation& inv, const VmPaths& paths)
{
    if (inv.console_fd) {
        ::fcntl(*inv.console_fd, F_SETFD, FD_CLOEXEC);
        return Fd(*inv.console_fd);
    }
    auto connected = connect_unix(paths.console());
    if (!connected) {
        say("cannot connect to the serial console {}: {}", paths.console(), std::strerror(connected.error().errno_value));
        return {};
    }
    return std::move(*connected);
}

// The guest's lines go to the journal on a stream of their own that reads no
// "<N>" priority prefix. On the unit's stdout journald takes one from the
// start of every line (SyslogLevelPrefix=, which ezkvm-helper's own messages
// use), so a guest printing "<0>" logged at emerg, which journald broadcasts
// to every terminal. Without journald (run by hand) they go to stdout.
Fd guest_log()
{
    const int stream = sd_journal_stream_fd(program_invocation_short_name, LOG_INFO, /*level_prefix=*/0);
    if (stream >= 0)
        return Fd(stream);
    say("no journal stream for the guest's console ({}); writing it to stdout", std::strerror(-stream));
    return Fd(::dup(STDOUT_FILENO));
}

bool write_pidfile(const std::string& path)
{
    const std::string text = std::to_string(::getpid()) + "\n";
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        say("cannot write {}: {}", path, std::strerror(errno));
        return false;
    }
    return true;
}

class GuestWatch {
public:
    explicit GuestWatch(const VmPaths& paths)
    {
        auto connected = runtime::connect_qmp(paths.qmp_watch(), 10s);
        if (connected)
            qmp_.emplace(std::move(*connected));
        else
            say("the guest watch cannot reach qemu: {}", connected.error().message);
    }

    int fd() const { return qmp_ ? qmp_->fd() : -1; }

    // After poll: false once qemu is gone or the guest died (and qemu was made to go).
    bool on_readable()
    {
        // qemu may have said its last words (a panic, with -action panic=exit-failure) and gone.
        const bool connected = qmp_->receive();
        const auto death = runtime::guest_death(*qmp_);
        if (!death)
            return connected;
        say("{}{}: making qemu go, so the unit fails", error_prefix, *death);
        if (const auto qemu = main_process())
            qemu->signal(SIGKILL);
        return false;
    }

private:
    std::optional<runtime::QmpClient> qmp_;
};

// Without a serial console: only the guest watch.
int watch_only(GuestWatch& watch, runtime::StopSignals& signals)
{
    while (watch.fd() >= 0) {
        pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {watch.fd(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR)
            return 1;
        if (fds[0].revents)
            for (int sig : signals.take())
                if (runtime::StopSignals::is_stop_request(sig))
                    return 0;
        if (fds[1].revents && !watch.on_readable())
            return 0;
    }
    return 0;
}

}  // namespace

int run_watch(const Invocation& inv)
{
    const VmPaths paths = vm_paths(inv.vm, inv.scope);
    runtime::StopSignals signals;
    const std::string pidfile = watch_pidfile(paths);
    if (!write_pidfile(pidfile))
        return 1;
    GuestWatch guest(paths);
    int code = 0;
    if (inv.console_fd || !inv.no_console) {
        auto console = open_console(inv, paths);
        if (!console)
            return 1;
        const Fd log = guest_log();
        runtime::ConsoleRelayOptions options;
        options.console = std::move(console);
        options.log_fd = log.get();
        options.attach_socket = runtime::console_attach_socket(paths);
        options.watch_fd = guest.fd();
        options.on_watch = [&guest] { return guest.on_readable(); };
        code = runtime::relay_console(std::move(options), signals, std::cerr);
    } else {
        code = watch_only(guest, signals);
    }
    ::unlink(pidfile.c_str());
    return code;
}

}  // namespace ezkvm::helper
