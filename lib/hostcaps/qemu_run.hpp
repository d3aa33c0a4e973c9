#pragma once
// One short-lived qemu for the host probe: its input written up front (QMP
// commands on stdin), its stdout and stderr collected separately, and a
// deadline after which it is killed.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/process.hpp"

namespace ezkvm::hostcaps {

struct QemuRunOptions {
    std::vector<std::string> argv;
    std::string input;           // written to stdin, which then closes
    std::vector<int> pass_fds;   // open in qemu under the same numbers
    std::chrono::milliseconds timeout{5000};
    // Once stdout shows output, the run ends at most this long after it.
    std::optional<std::chrono::milliseconds> after_output;
};

struct QemuRun {
    std::optional<ExitStatus> status;  // nullopt: killed at the deadline
    std::string out;
    std::string err;
};

// An error when qemu could not be started.
Result<QemuRun> run_qemu(const QemuRunOptions& options);

}  // namespace ezkvm::hostcaps
