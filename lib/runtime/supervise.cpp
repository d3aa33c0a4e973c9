#include "runtime/supervise.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "runtime/graceful_stop.hpp"
#include "runtime/guest_watch.hpp"
#include "base/process.hpp"
#include "runtime/qmp.hpp"
#include "base/unix_socket.hpp"

namespace ezkvm::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

bool write_all(int fd, const char* data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

class Supervisor {
public:
    Supervisor(const SuperviseOptions& options, StopSignals& signals, std::ostream& log)
        : opts_(options), signals_(signals), log_(log) {}

    int run()
    {
        for (int sig : signals_.take()) {
            if (StopSignals::is_stop_request(sig)) {
                say("interrupted before qemu started");
                return 1;
            }
        }
        if (!start())
            return 1;
        loop();
        return finish();
    }

private:
    template <typename... Args>
    void say(fmt::format_string<Args...> format, Args&&... args)
    {
        log_ << "ezkvm: " << fmt::format(format, std::forward<Args>(args)...) << std::endl;
    }

    bool start()
    {
        started_ = Clock::now();
        if (opts_.argv.empty()) {
            say("no qemu command to run");
            return false;
        }
        auto argv = opts_.argv;
        // Paused until the console is connected, so no early output is lost.
        const bool console = !opts_.console_socket.empty();
        if (console)
            argv.insert(argv.begin() + 1, "-S");
        SpawnOptions spawn_options;
        spawn_options.numbered_fds = opts_.qemu_fds;
        auto spawned = spawn(argv, spawn_options);
        if (!spawned) {
            say("{}", spawned.error().message);
            return false;
        }
        qemu_ = std::move(*spawned);
        say("started qemu (pid {})", qemu_->pid());

        auto connected = connect_qmp(opts_.qmp_socket, opts_.qmp_timeout, qemu_->pidfd());
        if (!connected) {
            if (auto status = qemu_->wait_for(std::chrono::seconds(1))) {
                say("qemu {} before its QMP socket was ready", status->describe());
            } else {
                say("{}; stopping qemu", connected.error().message);
                qemu_->terminate(opts_.escalation_grace);
            }
            return false;
        }
        qmp_ = std::move(*connected);
        stop_.emplace(&*qmp_, [this](int sig) { qemu_->signal(sig); },
                      StopTiming{opts_.stop_timeout, opts_.powerdown_interval, opts_.escalation_grace},
                      [this](const std::string& message) { say("{}", message); });
        if (console) {
            auto socket = connect_unix(opts_.console_socket);
            if (socket)
                console_ = std::move(*socket);
            else
                say("cannot show the console {}: {}", opts_.console_socket,
                    std::strerror(socket.error().errno_value));
            const auto reply = qmp_->execute("cont");
            if (!reply || !reply->ok) {
                say("cannot start the paused VM: {}", reply ? reply->error_desc : qmp_->error());
                qemu_->terminate(opts_.escalation_grace);
                return false;
            }
        }
        say("VM running under {}, QMP ready after {:.2f} s; Ctrl-C or SIGTERM presses its ACPI power button",
            accelerator(), seconds(Clock::now() - started_));
        return true;
    }

    // "KVM" or "TCG", as qemu reports it.
    std::string accelerator()
    {
        const auto reply = qmp_->execute("query-kvm");
        if (!reply || !reply->ok)
            return "an accelerator qemu does not name";
        return reply->value.value("enabled", false) ? "KVM" : "TCG";
    }

    void loop()
    {
        while (qemu_->running()) {
            handle_events();  // some may have come with a command's reply
            pollfd fds[4] = {{signals_.fd(), POLLIN, 0}, {qemu_->pidfd(), POLLIN, 0},
                             {qmp_->connected() ? qmp_->fd() : -1, POLLIN, 0}, {console_.get(), POLLIN, 0}};
            int timeout = -1;
            if (auto deadline = stop_->next_deadline()) {
                const auto left = std::chrono::ceil<milliseconds>(*deadline - Clock::now());
                timeout = static_cast<int>(std::max<long long>(0, left.count()));
            }
            if (::poll(fds, 4, timeout) < 0 && errno != EINTR)
                break;
            if (fds[0].revents)
                on_signals();
            if (fds[2].revents)
                on_qmp();
            if (fds[3].revents)
                copy_console();
            if (fds[1].revents)
                qemu_->try_wait();
            else
                stop_->on_timer();
        }
    }

    int finish()
    {
        const ExitStatus status = qemu_->wait();
        // qemu's last words (SHUTDOWN) may still be unread, or read but not handled.
        qmp_->receive();
        handle_events();
        while (console_ && copy_console()) {
        }
        const double ran = seconds(Clock::now() - started_);
        if (died_) {
            say("qemu {} after the guest died, {:.1f} s after it started", status.describe(), ran);
            return 1;
        }
        if (stop_->forced()) {
            say("qemu {} after being forced to stop; the guest did not shut down cleanly", status.describe());
            return 1;
        }
        if (!status.success()) {
            say("qemu {} after {:.1f} s", status.describe(), ran);
            return 1;
        }
        if (shutdown_reason_ == "guest-panic") {
            say("the guest panicked; qemu exited after {:.1f} s", ran);
            return 1;
        }
        if (shutdown_reason_ != "guest-shutdown")
            say("qemu exited ({}) after {:.1f} s", shutdown_reason_.empty() ? "no reason given" : shutdown_reason_, ran);
        else
            say("qemu exited after {:.1f} s", ran);
        return 0;
    }

    void on_signals()
    {
        for (int sig : signals_.take())
            if (StopSignals::is_stop_request(sig))
                request_stop(sig);
    }

    void request_stop(int sig)
    {
        if (!stop_->requested())
            say("SIG{}: stopping, pressing the ACPI power button (again every {:.0f} s, for up to {:.0f} s; "
                "interrupt again to force)",
                ::sigabbrev_np(sig), seconds(opts_.powerdown_interval), seconds(opts_.stop_timeout));
        else if (stop_->powering_down())
            say("stop requested again: making qemu quit now");
        stop_->request();
        handle_events();
    }

    void on_qmp()
    {
        qmp_->receive();
        handle_events();
    }

    void handle_events()
    {
        while (auto event = qmp_->pop_event()) {
            if (auto death = death_of(*event, *qmp_); death && !died_) {
                say("{}: making qemu quit", *death);
                died_ = true;
                qemu_->terminate(opts_.escalation_grace);
                return;
            }
            const bool by_guest = event->data.value("guest", false);
            if (event->name == "SHUTDOWN") {
                shutdown_reason_ = event->data.value("reason", std::string());
                if (shutdown_reason_ == "guest-shutdown" && stop_->powering_down())
                    say("guest powered off {:.2f} s after the stop request",
                        seconds(Clock::now() - stop_->requested_at()));
                else if (shutdown_reason_ == "guest-shutdown")
                    say("guest powered off");
            } else if (event->name == "RESET" && by_guest) {
                say("guest rebooted");
            }
        }
    }

    // Copies what the guest wrote; false when there was nothing (yet).
    bool copy_console()
    {
        char buf[65536];
        const ssize_t n = ::read(console_.get(), buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return false;
        if (n <= 0) {
            console_.reset();
            return false;
        }
        if (!write_all(opts_.console_out, buf, static_cast<size_t>(n))) {
            say("cannot copy the console any more: {}", std::strerror(errno));
            console_.reset();
            return false;
        }
        return true;
    }

    const SuperviseOptions& opts_;
    StopSignals& signals_;
    std::ostream& log_;
    std::optional<Process> qemu_;
    std::optional<QmpClient> qmp_;
    std::optional<GracefulStop> stop_;
    Fd console_;
    std::string shutdown_reason_;
    bool died_ = false;
    Clock::time_point started_;
};

}  // namespace

int supervise(const SuperviseOptions& options, StopSignals& signals, std::ostream& log)
{
    return Supervisor(options, signals, log).run();
}

}  // namespace ezkvm::runtime
