// The readiness half of launch: qemu starts paused (-S, from the generated
// ExecStart=); this resumes it once the console is connected, and returns once
// QMP says the guest runs. Fails, naming why, if qemu dies meanwhile or the
// guest dies at once (a KVM internal error, a panic).
#include <poll.h>

#include "base/unix_socket.hpp"
#include "helpers/helper.hpp"
#include "runtime/guest_watch.hpp"
#include "runtime/qmp.hpp"

namespace ezkvm::helper {
namespace {

using namespace std::chrono_literals;

// Generous: qemu under TCG on a loaded machine takes a while to get its QMP socket going.
constexpr auto qmp_timeout = 120s;
constexpr auto status_poll = 200ms;

// "running", "prelaunch", ...; "" when QMP failed.
std::string query_status(runtime::QmpClient& qmp)
{
    const auto reply = qmp.execute("query-status");
    if (!reply || !reply->ok) {
        say("query-status failed: {}", reply ? reply->error_desc : qmp.error());
        return {};
    }
    return reply->value.value("status", std::string());
}

}  // namespace

bool resume_when_ready(const VmPaths& paths, const WatchedProcess& qemu, const std::function<bool()>& before_resume)
{
    const auto started = Clock::now();
    auto connected = runtime::connect_qmp(paths.qmp(), qmp_timeout, qemu.pidfd.get());
    if (!connected) {
        if (qemu.exited())
            say("qemu exited before its QMP socket was ready");
        else
            say("{}", connected.error().message);
        return false;
    }
    auto& qmp = *connected;
    bool resumed = false;
    for (;;) {
        const std::string status = query_status(qmp);
        if (auto death = runtime::death_of_state(status)) {
            say("{}", *death);
            return false;
        }
        if (status == "running") {
            say("VM running, QMP ready after {:.2f} s", seconds(Clock::now() - started));
            return true;
        }
        if (status == "prelaunch") {
            if (!resumed && !before_resume())
                return false;
            resumed = true;
            if (const auto reply = qmp.execute("cont"); !reply || !reply->ok) {
                say("cannot start the paused VM: {}", reply ? reply->error_desc : qmp.error());
                return false;
            }
            continue;
        }
        if (status.empty() || qemu.exited()) {
            if (qemu.exited())
                say("qemu exited before the VM was running");
            return false;
        }
        // Another state (an incoming migration, say): wait for it to change.
        pollfd pfd{qemu.pidfd.get(), POLLIN, 0};
        ::poll(&pfd, 1, static_cast<int>(status_poll.count()));
    }
}

}  // namespace ezkvm::helper
