#pragma once
// Stopping a running qemu the gentle way first, shared by `ezkvm run` (on
// SIGINT/SIGTERM) and the units' ExecStop= (ezkvm-helper stop): the ACPI power
// button, pressed again every few seconds (a press before the guest's ACPI
// handler runs is lost), then after the stop timeout QMP `quit`, SIGTERM and
// SIGKILL, each after a grace period.
//
// A passive state machine: the caller polls qemu (its pidfd) and QMP itself,
// calls on_timer() whenever next_deadline() has passed and request() when a
// stop is asked for (again).
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "runtime/qmp.hpp"

namespace ezkvm::runtime {

struct StopTiming {
    std::chrono::milliseconds stop_timeout = std::chrono::seconds(120);
    std::chrono::milliseconds powerdown_interval = std::chrono::seconds(3);
    std::chrono::milliseconds escalation_grace = std::chrono::seconds(5);  // after quit, after SIGTERM
};

class GracefulStop {
public:
    using Clock = std::chrono::steady_clock;
    using Say = std::function<void(const std::string&)>;
    using SignalQemu = std::function<void(int)>;

    // `qmp` may be null or disconnected: then the steps that need it are skipped.
    GracefulStop(QmpClient* qmp, SignalQemu signal_qemu, StopTiming timing, Say say)
        : qmp_(qmp), signal_qemu_(std::move(signal_qemu)), timing_(timing), say_(std::move(say)) {}

    // The first request presses the power button; each later one skips to the
    // next step (quit, SIGTERM, SIGKILL).
    void request();
    // Presses the button again or escalates when the current step's time is up.
    void on_timer();
    // When on_timer() wants to run next; nullopt while there is nothing to wait for.
    std::optional<Clock::time_point> next_deadline() const;

    bool requested() const { return phase_ != Phase::Running; }
    bool powering_down() const { return phase_ == Phase::PoweringDown; }
    // The guest did not get to shut down by itself (quit or a signal was needed).
    bool forced() const { return forced_; }
    Clock::time_point requested_at() const { return requested_at_; }
    const StopTiming& timing() const { return timing_; }

private:
    // In the order they escalate.
    enum class Phase { Running, PoweringDown, Quitting, Terminating, Killed };

    void press_power_button();
    void force_quit();
    void send_sigterm();
    void send_sigkill();

    QmpClient* qmp_;
    SignalQemu signal_qemu_;
    StopTiming timing_;
    Say say_;
    Phase phase_ = Phase::Running;
    bool forced_ = false;
    Clock::time_point requested_at_, deadline_, next_press_;
};

}  // namespace ezkvm::runtime
