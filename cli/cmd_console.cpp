// `ezkvm console VM`: the VM's serial console, served by ezkvm-helper
// console-log on console-attach.sock while the unit runs. Ctrl-] detaches.
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "cli/vm_target.hpp"
#include "runtime/console_client.hpp"
#include "runtime/console_relay.hpp"
#include "runtime/raw_terminal.hpp"

namespace ezkvm::cli {
namespace {

int attach(const std::string& name, const GlobalOptions& global)
{
    const auto vm = vm_target(name, global);
    if (!vm)
        return exit_usage;
    Fd console = connect_to_vm(*vm, runtime::console_attach_socket(vm->paths), "serial console");
    if (!console)
        return exit_errors;

    // Signals become events before the terminal goes raw, so SIGTERM/SIGHUP restore it too.
    runtime::StopSignals signals;
    runtime::RawTerminal terminal(STDIN_FILENO);
    // In raw mode a newline no longer returns the cursor to the start of the line.
    const char* eol = terminal.active() ? "\r\n" : "\n";
    std::cerr << fmt::format("ezkvm: connected to the serial console of {} (detach with {}){}", vm->name,
                             runtime::console_escape_name, eol);
    const auto result = runtime::run_console_client({std::move(console), STDIN_FILENO, STDOUT_FILENO}, signals);
    if (!result) {
        std::cerr << fmt::format("{}ezkvm: {}{}", eol, result.error().message, eol);
        return exit_errors;
    }
    switch (*result) {
    case runtime::ConsoleEnd::Detached:
    case runtime::ConsoleEnd::InputEnded:
        std::cerr << fmt::format("{}ezkvm: detached from the console of {}{}", eol, vm->name, eol);
        return exit_ok;
    case runtime::ConsoleEnd::Signal:
        std::cerr << fmt::format("{}ezkvm: interrupted{}", eol, eol);
        return exit_errors;
    case runtime::ConsoleEnd::ConsoleClosed:
        std::cerr << fmt::format("{}ezkvm: the console of {} closed (the VM stopped, or another client is "
                                 "attached){}",
                                 eol, vm->name, eol);
        return exit_errors;
    }
    return exit_errors;
}

}  // namespace

Action setup_console(CLI::App& app, const GlobalOptions& global)
{
    auto vm = std::make_shared<std::string>();
    app.add_option("vm", *vm, "VM name or file")->required();
    app.footer(fmt::format("Attaches to the serial console of a VM that systemd runs. {} (Ctrl and ]) detaches; "
                           "all other keys, Ctrl-C included, go to the guest. Input from a pipe is sent as is; "
                           "its end detaches.",
                           runtime::console_escape_name));
    return [vm, &global] { return attach(*vm, global); };
}

}  // namespace ezkvm::cli
