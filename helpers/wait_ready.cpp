// ExecStartPost=: `systemctl start` returns once the guest runs. qemu starts
// paused (-S, from the generated ExecStart=); this connects its console to a
// console-log process first, so the journal gets the guest's output from the
// first byte, then resumes it. Fails, naming why, if qemu dies meanwhile.
#include <cstring>
#include <filesystem>
#include <poll.h>

#include "helpers/helper.hpp"
#include "runtime/process.hpp"
#include "runtime/qmp.hpp"
#include "runtime/unix_socket.hpp"

namespace ezkvm::helper {
namespace {

using namespace std::chrono_literals;

// Generous: qemu under TCG on a loaded machine takes a while to get its QMP socket going.
constexpr auto qmp_timeout = 120s;
constexpr auto status_poll = 200ms;

// Starts `ezkvm-helper console-log` with qemu's console (connected while the
// guest is still paused). It outlives us, in the unit's cgroup, writing to the
// same journal stream.
bool start_console_log(const Invocation& inv, const VmPaths& paths)
{
    auto console = runtime::connect_unix(paths.console());
    if (!console.fd) {
        say("cannot connect to the serial console {}: {}", paths.console(), std::strerror(console.error));
        return false;
    }
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::vector<std::string> argv{ec ? std::string("ezkvm-helper") : self.string()};
    if (inv.scope == Scope::User)
        argv.emplace_back("--user");
    argv.insert(argv.end(), {"console-log", fmt::format("--console-fd={}", console.fd.get()), inv.vm});
    runtime::SpawnOptions options;
    options.pass_fds = {console.fd.get()};
    options.die_with_parent = false;
    auto started = runtime::spawn(argv, options);
    if (!started.process) {
        say("{}", started.error);
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
    if (!connected.client) {
        if (qemu->exited())
            say("qemu exited before its QMP socket was ready");
        else
            say("{}", connected.error);
        return 1;
    }
    auto& qmp = *connected.client;
    bool console_connected = !vm->spec.serial;
    for (;;) {
        const std::string status = query_status(qmp);
        if (status == "running") {
            say("VM running, QMP ready after {:.2f} s", seconds(Clock::now() - started));
            return 0;
        }
        if (status == "prelaunch") {
            if (!console_connected && !start_console_log(inv, paths))
                return 1;
            console_connected = true;
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
