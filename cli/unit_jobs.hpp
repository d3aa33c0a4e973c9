#pragma once
// What the commands that go through systemd (list, start, stop, restart,
// status, logs) share: the VM's unit in the chosen scope, errors from systemd
// turned into messages that say what to do, and the unit's last journal lines.
#include <optional>
#include <string>

#include "bus/connection.hpp"
#include "bus/manager.hpp"
#include "cli/command.hpp"

namespace ezkvm::cli {

// ezkvm@<vm>.service. With --user, a VM started from a file (ezkvm --user start FILE)
// runs as ezkvm-transient@<vm>.service instead: that one when it is loaded and the
// installed one is not.
std::string vm_unit(bus::Connection& bus, const std::string& vm);

// A connection for the command's scope; prints why and returns nullopt when none.
std::optional<bus::Connection> connect(const GlobalOptions& global);

// "ezkvm: <message>", with what to do when polkit refused.
void print_bus_error(const Error& error, const std::string& unit);

// The unit's last `count` journal lines, indented, after a heading; nothing when there are none.
void print_journal_tail(const std::string& unit, Scope scope, unsigned count);

// Whether the job on `unit` was done; otherwise prints why: the bus error, or for a
// job that failed the unit's state and result and its last journal lines.
bool job_done(bus::Connection& bus, const Result<bus::JobResult>& job, const std::string& unit);

// Loads VM `vm` by name (start and restart refuse a missing or invalid file,
// printing why); false when it cannot be run.
bool vm_file_ok(const std::string& vm, const GlobalOptions& global);

// Runs `verb` on the VM's unit and waits for it; prints what went wrong. An exit code.
int run_vm_job(bus::Connection& bus, const std::string& vm, bus::JobVerb verb);

}  // namespace ezkvm::cli
