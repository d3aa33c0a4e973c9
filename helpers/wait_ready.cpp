// ExecStartPost=: `systemctl start` returns once the guest runs. qemu starts
// paused (-S, from the generated ExecStart=); this starts the unit's resident
// watch first (its serial console to the journal from the first byte, and the
// guest watch), then resumes it. Fails, naming why, if qemu dies meanwhile or
// the guest dies at once (a KVM internal error, a panic).
#include <cstring>
#include <filesystem>
#include <poll.h>

#include "helpers/helper.hpp"
#include "runtime/guest_watch.hpp"
#include "base/process.hpp"
#include "runtime/qmp.hpp"
#include "base/unix_socket.hpp"

namespace ezkvm::helper {
namespace {

using namespace std::chrono_literals;

// Generous: qemu under TCG on a loaded machine takes a while to get its QMP socket going.
constexpr auto qmp_timeout = 120s;
constexpr auto status_poll = 200ms;

// Starts `ezkvm-helper watch`, with qemu's console when the VM has one
// (connected while the guest is still paused). It outlives us, in the unit's
// cgroup, writing to the same journal stream.
bool start_watch(const Invocation& inv, const VmPaths& paths, bool serial)
{
    Fd console;
    if (serial) {
        auto connected = connect_unix(paths.console());
        if (!connected) {
            say("cannot connect to the serial console {}: {}", paths.console(),
                std::strerror(connected.error().errno_value));
            return false;
        }
        console = std::move(*connected);
    }
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::vector<std::string> argv{ec ? std::string("ezkvm-helper") : self.string()};
    if (inv.scope == Scope::User)
        argv.emplace_back("--user");
    argv.emplace_back("watch");
    argv.push_back(console ? fmt::format("--console-fd={}", console.get()) : "--no-console");
    argv.push_back(inv.vm);
    SpawnOptions options;
    if (console)
        options.pass_fds = {console.get()};
    options.die_with_parent = false;
    auto started = spawn(argv, options);
    if (!started) {
        say("{}", started.error().message);
        return false;
    }
    return true;
}

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

int wait_ready(const Invocation& inv)
{
    const auto started = Clock::now();
    const auto context = load_context(inv);
    const auto& vm = context.vm;
    if (!vm)
        return 1;
    const VmPaths& paths = context.paths;
    const auto qemu = main_process();
    if (!qemu) {
        say("qemu exited before the VM was ready");
        return 1;
    }
    auto connected = runtime::connect_qmp(paths.qmp(), qmp_timeout, qemu->pidfd.get());
    if (!connected) {
        if (qemu->exited())
            say("qemu exited before its QMP socket was ready");
        else
            say("{}", connected.error().message);
        return 1;
    }
    auto& qmp = *connected;
    bool watching = false;
    for (;;) {
        const std::string status = query_status(qmp);
        if (auto death = runtime::death_of_state(status)) {
            say("{}", *death);
            return 1;
        }
        if (status == "running") {
            say("VM running, QMP ready after {:.2f} s", seconds(Clock::now() - started));
            return 0;
        }
        if (status == "prelaunch") {
            if (!watching && !start_watch(inv, paths, vm->spec.serial))
                return 1;
            watching = true;
            if (const auto reply = qmp.execute("cont"); !reply || !reply->ok) {
                say("cannot start the paused VM: {}", reply ? reply->error_desc : qmp.error());
                return 1;
            }
            continue;
        }
        if (status.empty() || qemu->exited()) {
            if (qemu->exited())
                say("qemu exited before the VM was running");
            return 1;
        }
        // Another state (an incoming migration, say): wait for it to change.
        pollfd pfd{qemu->pidfd.get(), POLLIN, 0};
        ::poll(&pfd, 1, static_cast<int>(status_poll.count()));
    }
}

}  // namespace ezkvm::helper
