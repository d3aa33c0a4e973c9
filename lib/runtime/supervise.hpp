#pragma once
// Runs qemu in the foreground (`ezkvm run`): starts it, talks QMP, and turns
// SIGINT/SIGTERM/SIGHUP into a graceful stop (graceful_stop.hpp: the ACPI power
// button, repeated, then after the stop timeout QMP `quit`, SIGTERM, SIGKILL).
#include <unistd.h>

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/stop_signals.hpp"

namespace ezkvm::runtime {

struct SuperviseOptions {
    std::vector<std::string> argv;      // argv[0] is qemu
    std::vector<int> qemu_fds;          // open in qemu as fds 3, 4, ... (its macvtaps)
    std::string qmp_socket;             // the QMP server socket the argv creates
    std::string console_socket;         // the serial console to copy to console_out; "" = none
    int console_out = STDOUT_FILENO;
    std::chrono::milliseconds stop_timeout = std::chrono::seconds(120);
    std::chrono::milliseconds powerdown_interval = std::chrono::seconds(3);
    std::chrono::milliseconds escalation_grace = std::chrono::seconds(5);  // after quit, after SIGTERM
    std::chrono::milliseconds qmp_timeout = std::chrono::seconds(60);
};

// Returns ezkvm's exit code: 0 when the guest powered off (on its own or on
// request) or qemu otherwise ended cleanly; 1 when qemu failed or had to be
// forced to stop. Progress goes to `log`, one "ezkvm: ..." line per step.
int supervise(const SuperviseOptions& options, StopSignals& signals, std::ostream& log);

}  // namespace ezkvm::runtime
