// ExecStart= of every VM: one process that becomes qemu and one that stays
// beside it, so the unit's sandbox is set up once for both.
// - This process keeps the pid systemd started (qemu is the unit's main
//   process): it opens the VM's macvtaps when it has any (qemu cannot open a
//   macvtap by name; as the VM's user, in the sandbox, prepare gave the user the
//   devices), puts macvtap k at fd qemu::first_macvtap_fd + k, where the command
//   line's -netdev tap,fd=N expects it, and executes qemu (paused, -S).
// - A child forked first connects the serial console while the guest is still
//   paused, resumes it, tells systemd the VM is ready (Type=notify: `systemctl
//   start` returns once the guest runs) and stays as the unit's resident watch.
//   If the VM never gets running it makes qemu go, so the start fails.
#include <csignal>
#include <cstring>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "base/process.hpp"
#include "base/unix_socket.hpp"
#include "helpers/helper.hpp"
#include "net/interfaces.hpp"
#include "qemu/command.hpp"

namespace ezkvm::helper {
namespace {

int exec_qemu(const std::vector<std::string>& macvtaps, const std::vector<std::string>& argv)
{
    if (!macvtaps.empty()) {
        const auto opened = net::open_macvtaps(macvtaps);
        if (!opened) {
            say("cannot hand the macvtaps to qemu: {}", opened.error().message);
            return 1;
        }
        std::vector<int> fds;
        for (const auto& fd : *opened)
            fds.push_back(fd.get());
        if (!place_numbered_fds(fds, qemu::first_macvtap_fd)) {
            say("cannot hand the macvtaps to qemu: {}", std::strerror(errno));
            return 1;
        }
    }
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    say("cannot run {}: {}", argv[0], std::strerror(errno));
    return 1;
}

// The child: readiness, then the watch for as long as qemu lives.
int ready_then_watch(const Invocation& inv, const LaunchOptions& options, pid_t qemu_pid)
{
    const VmPaths paths = vm_paths(inv.vm, inv.scope);
    const auto qemu = watch(qemu_pid);
    if (!qemu)
        return 1;
    Fd console;
    const auto connect_console = [&] {
        if (!options.serial)
            return true;
        auto connected = connect_unix(paths.console());
        if (!connected) {
            say("cannot connect to the serial console {}: {}", paths.console(),
                std::strerror(connected.error().errno_value));
            return false;
        }
        console = std::move(*connected);
        return true;
    };
    if (!resume_when_ready(paths, *qemu, connect_console)) {
        qemu->signal(SIGKILL);  // the main process ends, so the start job fails now
        return 1;
    }
    sd_notify(0, "READY=1\nSTATUS=VM running");
    return run_watch(paths, std::move(console));
}

}  // namespace

int launch(const Invocation& inv, const LaunchOptions& options)
{
    const pid_t qemu_pid = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
        say("cannot fork the VM's watch: {}", std::strerror(errno));
        return 1;
    }
    if (child == 0)
        ::_exit(ready_then_watch(inv, options, qemu_pid));
    return exec_qemu(options.macvtaps, options.qemu_argv);
}

}  // namespace ezkvm::helper
