#pragma once
// The client side of a VM's serial console (`ezkvm console`): copies input to
// the console relay's attach socket and the guest's output back, until the
// user presses the escape key, the input ends or the console closes.
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "runtime/stop_signals.hpp"

namespace ezkvm::runtime {

// Ctrl-], as in telnet and virsh console.
constexpr char console_escape_key = '\x1d';
constexpr std::string_view console_escape_name = "Ctrl-]";

struct EscapeScan {
    std::string_view forward;  // the input before the escape key (all of it when there is none)
    bool detach = false;       // the escape key was pressed
};

// Splits one chunk of input at the first escape key.
EscapeScan scan_for_escape(std::string_view input, char escape = console_escape_key);

enum class ConsoleEnd {
    Detached,       // the escape key
    InputEnded,     // end of input (a pipe that closed)
    ConsoleClosed,  // the relay closed the connection: the VM stopped, or another client has the console
    Signal,         // SIGTERM, SIGHUP
};

struct ConsoleClientOptions {
    Fd console;         // connected to the attach socket
    int input_fd = 0;   // what the user types (a raw terminal or a pipe)
    int output_fd = 1;  // where the guest's output goes
    char escape = console_escape_key;
};

// How the session ended; an error when a read or write failed.
Result<ConsoleEnd> run_console_client(ConsoleClientOptions options, StopSignals& signals);

}  // namespace ezkvm::runtime
