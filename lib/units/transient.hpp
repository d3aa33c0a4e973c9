#pragma once
// A VM file run as a transient user unit (`ezkvm --user start FILE`), the way
// `systemd-run --user` would: the shipped user ezkvm@.service's commands and
// sandboxing plus the generated drop-in's settings, each setting held both as
// the D-Bus property StartTransientUnit takes and as its unit-file line (for
// `--print-systemd-run` and for tests comparing it with the shipped files).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/resolve.hpp"
#include "qemu/command.hpp"
#include "base/diagnostic.hpp"

namespace ezkvm::units {

struct U32 { uint32_t value; };
struct U64 { uint64_t value; };
struct I32 { int32_t value; };
struct FilterList { bool allow; std::vector<std::string> items; };  // (bas): SystemCallFilter=, RestrictAddressFamilies=
struct ExecCommand {
    std::vector<std::string> argv;  // as run (no $ doubling yet)
    bool ignore_failure = false;    // the "-" prefix
};
using ExecCommands = std::vector<ExecCommand>;                       // a(sasb)
using Credentials = std::vector<std::pair<std::string, std::string>>;  // a(ss)

using BusValue = std::variant<std::string, bool, U32, U64, I32, std::vector<std::string>, FilterList, ExecCommands,
                              Credentials>;

struct TransientProperty {
    std::string bus_name;   // "TimeoutStartUSec"
    BusValue value;
    std::string unit_line;  // "TimeoutStartSec=300", as a unit file (and systemd-run -p) writes it
};

struct TransientUnit {
    std::string name;                      // ezkvm-transient@<vm>.service
    std::vector<std::string> exec_start;   // qemu's argv: systemd-run's command
    std::vector<TransientProperty> properties;  // everything else, ExecStart= included
};

// The transient unit of a user VM: name, the helper at `helper` (ezkvm-helper's path),
// EZKVM_VM_FILE= naming the file (an absolute path) so the helper finds it.
// nullopt (with an error in diags) for what a transient unit cannot run: a
// software TPM needs the swtpm units the generator writes.
std::optional<TransientUnit> transient_vm_unit(const config::LoadedVm& vm, const qemu::Command& plan,
                                               const std::string& file, const std::string& helper,
                                               Diagnostics& diags);

std::string transient_unit_name(const std::string& vm);  // ezkvm-transient@<vm>.service

// The equivalent `systemd-run --user ...` command, one shell line.
std::string systemd_run_command(const TransientUnit& unit);

// A word of a command as systemd runs it: '$' doubled (systemd expands variables in every command).
std::string literal_dollars(std::string_view word);

}  // namespace ezkvm::units
