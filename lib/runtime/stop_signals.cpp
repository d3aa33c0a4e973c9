#include "runtime/stop_signals.hpp"

#include <cerrno>
#include <sys/signalfd.h>
#include <unistd.h>

namespace ezkvm::runtime {

StopSignals::StopSignals()
{
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE})
        sigaddset(&set, sig);
    ::sigprocmask(SIG_BLOCK, &set, &previous_);
    fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
}

StopSignals::~StopSignals()
{
    take();
    ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
}

std::vector<int> StopSignals::take()
{
    std::vector<int> signals;
    signalfd_siginfo info;
    for (;;) {
        const ssize_t n = ::read(fd_.get(), &info, sizeof info);
        if (n == sizeof info)
            signals.push_back(static_cast<int>(info.ssi_signo));
        else if (n < 0 && errno == EINTR)
            continue;
        else
            return signals;
    }
}

}  // namespace ezkvm::runtime
