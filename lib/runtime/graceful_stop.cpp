#include "runtime/graceful_stop.hpp"

#include <csignal>

#include <fmt/format.h>

namespace ezkvm::runtime {
namespace {

double seconds(std::chrono::milliseconds d)
{
    return std::chrono::duration<double>(d).count();
}

}  // namespace

void GracefulStop::request()
{
    switch (phase_) {
    case Phase::Running:
        phase_ = Phase::PoweringDown;
        requested_at_ = Clock::now();
        deadline_ = requested_at_ + timing_.stop_timeout;
        press_power_button();
        break;
    case Phase::PoweringDown: force_quit(); break;
    case Phase::Quitting: send_sigterm(); break;
    case Phase::Terminating: send_sigkill(); break;
    case Phase::Killed: break;
    }
}

void GracefulStop::on_timer()
{
    const auto now = Clock::now();
    switch (phase_) {
    case Phase::PoweringDown:
        if (now >= deadline_) {
            say_(fmt::format("the guest did not power off within {} s: making qemu quit",
                             seconds(timing_.stop_timeout)));
            force_quit();
        } else if (now >= next_press_) {
            press_power_button();
        }
        break;
    case Phase::Quitting:
        if (now >= deadline_) {
            say_(fmt::format("qemu did not quit within {} s", seconds(timing_.escalation_grace)));
            send_sigterm();
        }
        break;
    case Phase::Terminating:
        if (now >= deadline_) {
            say_(fmt::format("qemu ignored SIGTERM for {} s", seconds(timing_.escalation_grace)));
            send_sigkill();
        }
        break;
    case Phase::Running:
    case Phase::Killed: break;
    }
}

std::optional<GracefulStop::Clock::time_point> GracefulStop::next_deadline() const
{
    switch (phase_) {
    case Phase::PoweringDown: return std::min(deadline_, next_press_);
    case Phase::Quitting:
    case Phase::Terminating: return deadline_;
    case Phase::Running:
    case Phase::Killed: break;
    }
    return std::nullopt;
}

void GracefulStop::press_power_button()
{
    next_press_ = Clock::now() + timing_.powerdown_interval;
    if (!qmp_ || !qmp_->connected())
        return;
    const auto reply = qmp_->execute("system_powerdown", nullptr, timing_.escalation_grace);
    if (!reply)
        say_(fmt::format("cannot press the power button: {}", qmp_->error()));
    else if (!reply->ok)
        say_(fmt::format("system_powerdown failed: {}", reply->error_desc));
}

void GracefulStop::force_quit()
{
    forced_ = true;
    phase_ = Phase::Quitting;
    deadline_ = Clock::now() + timing_.escalation_grace;
    const auto reply = qmp_ && qmp_->connected() ? qmp_->execute("quit", nullptr, timing_.escalation_grace)
                                                 : std::nullopt;
    if (!reply || !reply->ok)
        send_sigterm();
}

void GracefulStop::send_sigterm()
{
    forced_ = true;
    say_("sending SIGTERM to qemu");
    phase_ = Phase::Terminating;
    deadline_ = Clock::now() + timing_.escalation_grace;
    signal_qemu_(SIGTERM);
}

void GracefulStop::send_sigkill()
{
    say_("sending SIGKILL to qemu");
    phase_ = Phase::Killed;
    signal_qemu_(SIGKILL);
}

}  // namespace ezkvm::runtime
