#pragma once
// While it lives, SIGINT, SIGTERM, SIGHUP, SIGCHLD and SIGPIPE are blocked and
// arrive through a signalfd instead, so a poll loop sees them as events.
// Children started by spawn() get the default mask back.
#include <signal.h>

#include <vector>

#include "base/fd.hpp"

namespace ezkvm::runtime {

class StopSignals {
public:
    StopSignals();
    // Swallows what is still pending, then restores the previous mask.
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    int fd() const { return fd_.get(); }
    // The signals that arrived since the last call, without blocking.
    std::vector<int> take();

    // SIGINT, SIGTERM and SIGHUP ask for the VM to stop.
    static bool is_stop_request(int sig) { return sig == SIGINT || sig == SIGTERM || sig == SIGHUP; }

private:
    sigset_t previous_;
    Fd fd_;
};

}  // namespace ezkvm::runtime
