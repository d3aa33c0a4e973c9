#pragma once
// The serial console of a VM that systemd runs. qemu's console socket serves
// one client; the relay is that client for the VM's whole life. It copies the
// guest's output to a log (the unit's journal), cleaned of what would make the
// journal store a line as binary, and serves the raw console on a second
// socket to one interactive client at a time (`ezkvm console`), whose input
// goes to the guest.
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "runtime/stop_signals.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::runtime {

// Where the relay serves the console of the VM at `paths`.
std::string console_attach_socket(const VmPaths& paths);

// Turns console output into journal text: drops carriage returns, terminal
// escape sequences (CSI, OSC, charset selections) and other control
// characters except tab and newline. Sequences may be split across calls.
class JournalText {
public:
    std::string filter(std::string_view data);

private:
    enum class State { Text, Escape, EscapeIntermediate, Csi, Osc, OscEscape };
    State state_ = State::Text;
};

struct ConsoleRelayOptions {
    Fd console;                // connected to qemu's serial console socket
    int log_fd = -1;           // receives the cleaned output
    std::string attach_socket; // created here (mode 0600), removed on return
    // Another descriptor the relay's loop watches (the guest watch's QMP
    // connection): on_watch() runs when it is readable; false ends the relay.
    int watch_fd = -1;
    std::function<bool()> on_watch;
};

// Relays until the console closes (qemu exited) or a stop signal arrives.
// Returns 0, or 1 when the attach socket could not be set up. Problems go to `log`.
int relay_console(ConsoleRelayOptions options, StopSignals& signals, std::ostream& log);

}  // namespace ezkvm::runtime
