#include <cerrno>
#include <cstdlib>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers/helper.hpp"

namespace ezkvm::helper {

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

bool WatchedProcess::exited() const
{
    return wait_for(std::chrono::milliseconds(0));
}

bool WatchedProcess::wait_for(std::chrono::milliseconds timeout) const
{
    pollfd pfd{pidfd.get(), POLLIN, 0};
    int ready;
    do
        ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    while (ready < 0 && errno == EINTR);
    return ready > 0;
}

void WatchedProcess::signal(int sig) const
{
    ::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0);
}

std::optional<WatchedProcess> watch(pid_t pid)
{
    // glibc 2.36's <sys/pidfd.h> lacks extern "C": call the kernel directly.
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd)
        return std::nullopt;
    return WatchedProcess{pid, std::move(pidfd)};
}

std::optional<WatchedProcess> main_process()
{
    const char* text = std::getenv("MAINPID");
    if (!text || !*text)
        return std::nullopt;
    char* end = nullptr;
    const long pid = std::strtol(text, &end, 10);
    if (*end != '\0' || pid <= 0)
        return std::nullopt;
    return watch(static_cast<pid_t>(pid));
}

std::string watch_pidfile(const VmPaths& paths)
{
    return paths.runtime_dir + "/watch.pid";
}

}  // namespace ezkvm::helper
