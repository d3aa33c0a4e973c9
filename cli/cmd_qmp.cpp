// `ezkvm qmp VM COMMAND [JSON-ARGS]` runs one QMP command and prints its reply;
// `ezkvm monitor VM` is a human-monitor prompt over QMP (human-monitor-command).
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/vm_target.hpp"
#include "runtime/qmp.hpp"
#include "base/json_text.hpp"

namespace ezkvm::cli {
namespace {

// qemu serves QMP to one client at a time; a second one waits for the first.
constexpr auto handshake_timeout = std::chrono::seconds(10);
constexpr auto command_timeout = std::chrono::seconds(60);

std::optional<runtime::QmpClient> open_qmp(const VmTarget& vm)
{
    Fd socket = connect_to_vm(vm, vm.paths.qmp(), "QMP socket");
    if (!socket)
        return std::nullopt;
    runtime::QmpClient client(std::move(socket));
    if (!client.handshake(handshake_timeout)) {
        std::cerr << fmt::format("ezkvm: QMP of {} does not answer: {} (is another QMP client connected?)\n",
                                 vm.name, client.error());
        return std::nullopt;
    }
    return client;
}

struct QmpOptions {
    std::string vm;
    std::string command;
    std::string arguments;
};

int run_qmp(const QmpOptions& opts, const GlobalOptions& global)
{
    nlohmann::json arguments = nullptr;
    if (!opts.arguments.empty()) {
        arguments = nlohmann::json::parse(opts.arguments, nullptr, false);
        if (arguments.is_discarded() || !arguments.is_object()) {
            std::cerr << fmt::format("ezkvm: qmp: the arguments must be one JSON object, such as "
                                     "'{{\"device\": \"ide0-cd0\"}}', not: {}\n",
                                     opts.arguments);
            return exit_usage;
        }
    }
    const auto vm = vm_target(opts.vm, global);
    if (!vm)
        return exit_usage;
    auto client = open_qmp(*vm);
    if (!client)
        return exit_errors;
    const auto reply = client->execute(opts.command, arguments, command_timeout);
    if (!reply) {
        std::cerr << fmt::format("ezkvm: qmp {}: {}\n", opts.command, client->error());
        return exit_errors;
    }
    if (!reply->ok) {
        std::cerr << fmt::format("ezkvm: qmp {}: {}: {}\n", opts.command, reply->error_class, reply->error_desc);
        return exit_errors;
    }
    std::cout << json_text(reply->value, 2) << '\n';
    return exit_ok;
}

// One human-monitor command; false when the connection is gone.
bool monitor_command(runtime::QmpClient& client, const std::string& line)
{
    const auto reply = client.execute("human-monitor-command", {{"command-line", line}}, command_timeout);
    if (!reply) {
        std::cerr << "ezkvm: " << client.error() << '\n';
        return client.connected();
    }
    if (!reply->ok)
        std::cerr << fmt::format("ezkvm: {}: {}\n", reply->error_class, reply->error_desc);
    else if (reply->value.is_string())
        std::cout << reply->value.get<std::string>();
    std::cout.flush();
    return true;
}

int run_monitor(const std::string& name, const GlobalOptions& global)
{
    const auto vm = vm_target(name, global);
    if (!vm)
        return exit_usage;
    auto client = open_qmp(*vm);
    if (!client)
        return exit_errors;
    const bool interactive = ::isatty(STDIN_FILENO);
    if (interactive)
        std::cerr << fmt::format("ezkvm: human monitor of {} over QMP; Ctrl-D leaves (`quit` stops qemu)\n", vm->name);
    std::string line;
    for (;;) {
        if (interactive)
            std::cout << "(qemu) " << std::flush;
        if (!std::getline(std::cin, line))
            break;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        if (!monitor_command(*client, line))
            return exit_errors;
    }
    if (interactive)
        std::cout << '\n';
    return exit_ok;
}

}  // namespace

Action setup_qmp(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<QmpOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    app.add_option("command", opts->command, "QMP command, such as query-status")->required();
    app.add_option("arguments", opts->arguments, "The command's arguments as one JSON object");
    app.footer("Prints the reply's \"return\" value as JSON. An error reply is printed as CLASS: DESCRIPTION "
               "with exit status 1.");
    return [opts, &global] { return run_qmp(*opts, global); };
}

Action setup_monitor(CLI::App& app, const GlobalOptions& global)
{
    auto vm = std::make_shared<std::string>();
    app.add_option("vm", *vm, "VM name or file")->required();
    app.footer("Reads human-monitor commands (info status, info block, ...) line by line, from a terminal or a "
               "pipe, and prints qemu's answers. End of input leaves; `quit` makes qemu quit at once.");
    return [vm, &global] { return run_monitor(*vm, global); };
}

}  // namespace ezkvm::cli
