#pragma once
// systemd's manager over sd-bus (org.freedesktop.systemd1): a unit's state,
// jobs that are waited for until they finish, signals to a unit's processes
// and transient units.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bus/connection.hpp"
#include "bus/transient_unit.hpp"
#include "bus/unit_state.hpp"

namespace ezkvm::bus {

// A service's Environment= settings ("NAME=value" each).
Result<std::vector<std::string>> service_environment(Connection& bus, const std::string& unit);

enum class JobVerb { Start, Stop, Restart };

// Called about every `interval` while a job runs: a progress line, a Ctrl-C to act on.
struct JobTicker {
    std::chrono::milliseconds interval;
    std::function<void()> tick;
};

// How a job ended: systemd's result for it, "done" when it did what was asked.
struct JobResult {
    std::string result;   // done, failed, timeout, dependency, canceled, skipped, ...
    std::string message;  // for people: "ezkvm@web.service failed"

    bool done() const { return result == "done"; }
};

// Queues the job (mode "replace") and waits until systemd removes it. An error
// when the job could not be queued or waited for; a job that ran and failed is a JobResult.
Result<JobResult> run_job(Connection& bus, JobVerb verb, const std::string& unit, const JobTicker* ticker = nullptr);

// Keeps the unit loaded for as long as this connection lives (systemd unloads an
// inactive unit nobody references, and its properties with it).
Result<void> ref_unit(Connection& bus, const std::string& unit);

// How the last run of a service's command list `property` ("ExecStop") ended:
// its exit status, or -1 when it was killed by a signal; nullopt when it never ran.
Result<std::optional<int>> last_exec_status(Connection& bus, const std::string& unit, const char* property);

// StartUnit (mode "replace") without waiting for the job.
Result<void> queue_start(Connection& bus, const std::string& unit);

// KillUnit: `signal` to the unit's main process only.
Result<void> kill_main_process(Connection& bus, const std::string& unit, int signal);

// LookupDynamicUserByName: the uid systemd gave a unit's dynamic user (DynamicUser=), while a unit
// naming it runs (its ExecStartPre=+ and ExecStopPost=+ included).
Result<uint32_t> dynamic_user_uid(Connection& bus, const std::string& user);

// ResetFailedUnit: forget a failed unit's result (a failed transient unit is kept until then).
Result<void> reset_failed(Connection& bus, const std::string& unit);

// Reload: the manager reruns the generators and reads every unit file again
// (systemctl daemon-reload); returns once it has.
Result<void> reload(Connection& bus);

// StartTransientUnit with mode "fail", waiting for its start job like run_job.
Result<JobResult> start_transient(Connection& bus, const TransientUnit& unit);

}  // namespace ezkvm::bus
