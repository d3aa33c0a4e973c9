#pragma once
// A transient unit as StartTransientUnit takes it: each setting both as its
// D-Bus property and as its unit-file line (for `systemd-run -p` and for tests
// comparing it with the shipped files). Knows systemd's vocabulary, not ezkvm's.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ezkvm::bus {

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

// A word of a command as systemd runs it: '$' doubled (systemd expands variables in every command).
std::string literal_dollars(std::string_view word);

}  // namespace ezkvm::bus
