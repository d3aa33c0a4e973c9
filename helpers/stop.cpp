// ExecStop=: the graceful stop `ezkvm run` does on Ctrl-C (runtime/graceful_stop.hpp),
// for qemu running as the unit's main process. systemd runs it also when qemu
// has ended by itself; then there is nothing left to stop. Exits 3 when the
// guest had to be forced, for `ezkvm stop` to tell.
#include <fstream>
#include <poll.h>

#include "helpers/helper.hpp"
#include "runtime/graceful_stop.hpp"
#include "runtime/qmp.hpp"

namespace ezkvm::helper {
namespace {

using namespace std::chrono_literals;

constexpr auto qmp_timeout = 5s;
// The exit status that says the guest had to be forced.
constexpr int exit_forced = 3;
// How long watch gets to copy what the guest said last once qemu has gone.
constexpr auto watch_grace = 3s;

void report_events(runtime::QmpClient* qmp, const runtime::GracefulStop& stop)
{
    while (qmp) {
        const auto event = qmp->pop_event();
        if (!event)
            return;
        if (event->name == "SHUTDOWN" && event->data.value("reason", std::string()) == "guest-shutdown")
            say("guest powered off {:.2f} s after the stop request", seconds(Clock::now() - stop.requested_at()));
    }
}

// Whether the guest had to be forced (quit or a signal after its stop timeout).
bool stop_qemu(const WatchedProcess& qemu, const VmPaths& paths, const runtime::StopTiming& timing)
{
    auto connected = runtime::connect_qmp(paths.qmp(), qmp_timeout, qemu.pidfd.get());
    if (!connected && !qemu.exited())
        say("{}; stopping qemu without it", connected.error().message);
    runtime::QmpClient* qmp = connected ? &*connected : nullptr;
    runtime::GracefulStop stop(
        qmp, [&qemu](int sig) { qemu.signal(sig); }, timing, [](const std::string& message) { say("{}", message); });
    say("stopping: pressing the ACPI power button (again every {:.0f} s, for up to {:.0f} s)",
        seconds(timing.powerdown_interval), seconds(timing.stop_timeout));
    stop.request();
    while (!qemu.exited()) {
        report_events(qmp, stop);
        pollfd fds[2] = {{qemu.pidfd.get(), POLLIN, 0}, {qmp && qmp->connected() ? qmp->fd() : -1, POLLIN, 0}};
        int timeout = -1;
        if (const auto deadline = stop.next_deadline())
            timeout = static_cast<int>(
                std::max<long long>(0, std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count()));
        if (::poll(fds, 2, timeout) < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            qmp->receive();
        if (!fds[0].revents)
            stop.on_timer();
    }
    if (qmp)
        qmp->receive();
    report_events(qmp, stop);
    if (stop.forced())
        say("qemu stopped after being forced to; the guest did not shut down cleanly");
    else
        say("qemu exited {:.2f} s after the stop request", seconds(Clock::now() - stop.requested_at()));
    return stop.forced();
}

void wait_for_watch(const VmPaths& paths)
{
    pid_t pid = 0;
    if (!(std::ifstream(watch_pidfile(paths)) >> pid))
        return;
    if (const auto relay = watch(pid))
        relay->wait_for(watch_grace);
}

}  // namespace

int stop(const Invocation& inv)
{
    const auto context = load_context(inv);
    runtime::StopTiming timing;
    if (context.vm)
        timing.stop_timeout = std::chrono::seconds(context.vm->spec.general.stop_timeout);
    else
        say("stopping with the default stop timeout, {:.0f} s", seconds(timing.stop_timeout));
    bool forced = false;
    if (const auto qemu = main_process())
        forced = stop_qemu(*qemu, context.paths, timing);
    wait_for_watch(context.paths);
    // The unit ignores this status ("-" on ExecStop=); `ezkvm stop` reads it from the unit.
    return forced ? exit_forced : 0;
}

}  // namespace ezkvm::helper
