// The guest's serial console to the unit's journal (stdout) and to
// console-attach.sock for `ezkvm console` (runtime/console_relay.hpp). Started
// by wait-ready with the console already connected (--console-fd); on its own
// it connects to qemu's console socket itself.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <unistd.h>

#include "helpers/helper.hpp"
#include "runtime/console_relay.hpp"
#include "runtime/unix_socket.hpp"

namespace ezkvm::helper {
namespace {

runtime::Fd open_console(const Invocation& inv, const VmPaths& paths)
{
    if (inv.console_fd) {
        ::fcntl(*inv.console_fd, F_SETFD, FD_CLOEXEC);
        return runtime::Fd(*inv.console_fd);
    }
    auto connected = runtime::connect_unix(paths.console());
    if (!connected.fd)
        say("cannot connect to the serial console {}: {}", paths.console(), std::strerror(connected.error));
    return std::move(connected.fd);
}

bool write_pidfile(const std::string& path)
{
    const std::string text = std::to_string(::getpid()) + "\n";
    runtime::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        say("cannot write {}: {}", path, std::strerror(errno));
        return false;
    }
    return true;
}

}  // namespace

int console_log(const Invocation& inv)
{
    const VmPaths paths = vm_paths(inv.vm, inv.scope);
    runtime::StopSignals signals;
    auto console = open_console(inv, paths);
    if (!console)
        return 1;
    const std::string pidfile = console_log_pidfile(paths);
    if (!write_pidfile(pidfile))
        return 1;
    const int code = runtime::relay_console({std::move(console), STDOUT_FILENO, runtime::console_attach_socket(paths)},
                                            signals, std::cerr);
    ::unlink(pidfile.c_str());
    return code;
}

}  // namespace ezkvm::helper
