#include "cli/unit_jobs.hpp"

#include <chrono>
#include <iostream>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "bus/journal.hpp"
#include "cli/print_diagnostics.hpp"
#include "config/resolve.hpp"
#include "units/transient.hpp"
#include "units/vm_units.hpp"

namespace ezkvm::cli {
namespace {

constexpr unsigned failure_journal_lines = 15;
constexpr auto journal_settle = std::chrono::milliseconds(500);

}  // namespace

std::string vm_unit(bus::Connection& bus, const std::string& vm)
{
    const std::string installed = units::vm_unit_name(vm);
    if (bus.scope() == Scope::System)
        return installed;
    const std::string transient = units::transient_unit_name(vm);
    const auto listed = bus::list_units_by_names(bus, {installed, transient});
    if (!listed || listed->size() != 2 || (*listed)[0].loaded() || !(*listed)[1].loaded())
        return installed;
    return transient;
}

std::optional<bus::Connection> connect(const GlobalOptions& global)
{
    auto connection = bus::Connection::open(global.scope());
    if (!connection) {
        std::cerr << "ezkvm: " << connection.error().message << '\n';
        return std::nullopt;
    }
    return std::move(connection.value());
}

void print_bus_error(const Error& error, const std::string& unit)
{
    if (bus::is_access_denied(error)) {
        std::cerr << fmt::format("ezkvm: you are not allowed to manage {}: add yourself to group ezkvm "
                                 "(sudo usermod -aG ezkvm $USER) or use sudo\n",
                                 unit);
        return;
    }
    std::cerr << "ezkvm: " << error.message << '\n';
}

void print_journal_tail(const std::string& unit, Scope scope, unsigned count)
{
    auto lines = bus::journal_tail({unit, scope, ::getuid()}, count);
    if (lines && lines->empty()) {
        // journald stores a unit's output asynchronously: give the last lines a moment.
        std::this_thread::sleep_for(journal_settle);
        lines = bus::journal_tail({unit, scope, ::getuid()}, count);
    }
    if (!lines) {
        std::cerr << "ezkvm: " << lines.error().message << '\n';
        return;
    }
    if (lines->empty()) {
        if (::geteuid() != 0)
            std::cerr << "(no journal entries of " << unit
                      << " readable by you: members of group systemd-journal or adm see them all)\n";
        return;
    }
    std::cerr << "Last lines of " << unit << "'s journal:\n";
    for (const auto& line : *lines)
        std::cerr << "  " << line << '\n';
}

bool job_done(bus::Connection& bus, const Result<bus::JobResult>& job, const std::string& unit)
{
    if (!job) {
        print_bus_error(job.error(), unit);
        return false;
    }
    if (job->done())
        return true;
    const auto state = bus::unit_state(bus, unit);
    if (state && !state->loaded()) {
        std::cerr << fmt::format("ezkvm: {}: {} is {}", job->message, unit, state->load_state);
        std::cerr << (state->load_state == "bad-setting"
                          ? " (no qemu command: has `systemctl daemon-reload` run since the VM file was added?)\n"
                          : "\n");
    } else if (state) {
        std::cerr << fmt::format("ezkvm: {} (state {}/{}, result {})\n", job->message, state->active_state,
                                 state->sub_state, state->result.empty() ? "unknown" : state->result);
    } else {
        std::cerr << "ezkvm: " << job->message << '\n';
    }
    print_journal_tail(unit, bus.scope(), failure_journal_lines);
    return false;
}

bool vm_file_ok(const std::string& vm, const GlobalOptions& global)
{
    const auto env = config::Environment::from_process(global.scope());
    Diagnostics diags;
    const auto loaded = config::load_vm(vm, env, diags);
    print_diagnostics(std::cerr, diags);
    return loaded && !diags.has_errors();
}

int run_vm_job(bus::Connection& bus, const std::string& vm, bus::JobVerb verb)
{
    const std::string unit = vm_unit(bus, vm);
    return job_done(bus, bus::run_job(bus, verb, unit), unit) ? exit_ok : exit_errors;
}

}  // namespace ezkvm::cli
