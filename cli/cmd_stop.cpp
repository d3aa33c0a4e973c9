// ezkvm stop VM: `systemctl stop` over sd-bus: the unit's ExecStop= presses the
// ACPI power button until the guest powers off or its stop timeout passes.
// On a terminal it shows the wait and how to cut it short; at the end it says
// whether the guest powered off (exit 0) or qemu had to be made to quit (exit
// 3: the unit's ExecStop= status says so). Ctrl-C, like --force, makes qemu
// exit at once: SIGTERM to qemu alone, which ends it like QMP `quit` (the
// guest is cut off, qemu's own buffers are flushed); the stop job then finds
// qemu gone. For a system VM the signal is sent by starting
// ezkvm-force-stop@<vm>.service: polkit sees only a unit and a verb, so it
// can allow that start, where allowing KillUnit would allow any signal to any
// of the unit's processes (its root helpers too).
#include <chrono>
#include <csignal>
#include <iostream>
#include <unistd.h>

#include <fmt/format.h>

#include "bus/manager.hpp"
#include "cli/command.hpp"
#include "cli/unit_jobs.hpp"
#include "cli/vm_target.hpp"
#include "config/resolve.hpp"
#include "units/vm_units.hpp"

namespace ezkvm::cli {
namespace {

using Clock = std::chrono::steady_clock;

// ezkvm-helper stop's exit status when the guest had to be forced.
constexpr int helper_forced = 3;
constexpr int exit_forced = 3;

volatile sig_atomic_t interrupted = 0;

Result<void> make_qemu_quit(bus::Connection& bus, const std::string& unit, const std::string& vm)
{
    if (bus.scope() == Scope::System && unit == units::vm_unit_name(vm))
        return bus::queue_start(bus, "ezkvm-force-stop@" + vm + ".service");
    return bus::kill_main_process(bus, unit, SIGTERM);
}

struct StopOptions {
    std::string vm;
    bool force = false;
};

void on_interrupt(int)
{
    interrupted = 1;
}

// SIGINT ends a wait instead of the program (no SA_RESTART: the bus wait returns).
void catch_interrupt()
{
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
}

// The VM's stop timeout, from its file; nullopt when it cannot be read.
std::optional<unsigned> stop_timeout(const std::string& vm, const GlobalOptions& global)
{
    Diagnostics ignored;
    const auto loaded = config::load_vm(vm, config::Environment::from_process(global.scope()), ignored);
    if (!loaded || ignored.has_errors())
        return std::nullopt;
    return loaded->spec.general.stop_timeout;
}

class Stopping {
public:
    Stopping(bus::Connection& bus, std::string unit, std::string vm, std::optional<unsigned> timeout)
        : bus_(bus), unit_(std::move(unit)), vm_(std::move(vm)), timeout_(timeout), tty_(::isatty(STDERR_FILENO))
    {
    }

    int run()
    {
        if (tty_)
            std::cerr << fmt::format("ezkvm: stopping {}: pressing its ACPI power button{} (Ctrl-C or `ezkvm stop "
                                     "--force {}` to stop it now)\n",
                                     vm_,
                                     timeout_ ? fmt::format("; the guest has {} s to power off", *timeout_) : "",
                                     vm_);
        catch_interrupt();
        const bus::JobTicker ticker{std::chrono::seconds(1), [this] { tick(); }};
        const auto job = bus::run_job(bus_, bus::JobVerb::Stop, unit_, &ticker);
        if (shown_)
            std::cerr << "\r\033[K";
        if (!job_done(bus_, job, unit_))
            return exit_errors;
        return report();
    }

private:
    void tick()
    {
        if (interrupted && !forced_by_user_) {
            forced_by_user_ = true;
            if (shown_)
                std::cerr << "\r\033[K";
            std::cerr << fmt::format("ezkvm: {}: making qemu quit now\n", vm_);
            if (const auto made = make_qemu_quit(bus_, unit_, vm_); !made)
                print_bus_error(made.error(), unit_);
        }
        if (!tty_ || forced_by_user_)
            return;
        const auto waited = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count();
        std::string line = fmt::format("  waiting for the guest to power off: {} s", waited);
        if (timeout_ && waited < *timeout_)
            line += fmt::format(", {} s left before qemu is made to quit", *timeout_ - waited);
        std::cerr << "\r\033[K" << line << std::flush;
        shown_ = true;
    }

    int report()
    {
        const double took = std::chrono::duration<double>(Clock::now() - started_).count();
        if (forced_by_user_) {
            std::cout << fmt::format("{}: stopped on Ctrl-C; the guest did not shut down cleanly\n", vm_);
            return exit_forced;
        }
        const auto status = bus::last_exec_status(bus_, unit_, "ExecStop");
        if (status && status.value() == helper_forced) {
            std::cout << fmt::format("{}: the guest did not power off within {}: qemu was made to quit\n", vm_,
                                     timeout_ ? fmt::format("{} s", *timeout_) : "its stop timeout");
            return exit_forced;
        }
        std::cout << fmt::format("{}: stopped after {:.1f} s (the guest powered off)\n", vm_, took);
        return exit_ok;
    }

    bus::Connection& bus_;
    std::string unit_;
    std::string vm_;
    std::optional<unsigned> timeout_;
    bool tty_;
    bool shown_ = false;
    bool forced_by_user_ = false;
    Clock::time_point started_ = Clock::now();
};

int force_stop(bus::Connection& bus, const std::string& unit, const std::string& vm)
{
    const auto state = bus::unit_state(bus, unit);
    if (state && state->main_pid != 0) {
        if (const auto made = make_qemu_quit(bus, unit, vm); !made) {
            print_bus_error(made.error(), unit);
            return exit_errors;
        }
    }
    if (!job_done(bus, bus::run_job(bus, bus::JobVerb::Stop, unit), unit))
        return exit_errors;
    std::cout << fmt::format("{}: stopped at once (--force)\n", vm);
    return exit_ok;
}

}  // namespace

Action setup_stop(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<StopOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    app.add_flag("-f,--force", opts->force, "Do not wait for the guest to power off: make qemu exit at once");
    app.footer("Exit status: 0 the VM stopped (the guest powered off, or --force), 3 the guest did not power off "
               "within its stop timeout or Ctrl-C cut the wait short (qemu was made to quit), 1 errors.");
    return [opts, &global] {
        const auto vm = vm_name_of(opts->vm, global);
        if (!vm)
            return exit_usage;
        auto bus = connect(global);
        if (!bus)
            return exit_errors;
        const std::string unit = vm_unit(*bus, *vm);
        if (const auto state = bus::unit_state(*bus, unit);
            state && state->active_state != "active" && state->active_state != "activating" &&
            state->active_state != "reloading") {
            std::cout << fmt::format("{}: not running ({})\n", *vm, state->active_state);
            return exit_ok;
        }
        if (opts->force)
            return force_stop(*bus, unit, *vm);
        bus::ref_unit(*bus, unit);  // keeps its ExecStop= status readable once it has stopped
        return Stopping(*bus, unit, *vm, stop_timeout(opts->vm, global)).run();
    };
}

}  // namespace ezkvm::cli
