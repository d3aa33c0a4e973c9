#include <iostream>

#include "cli/command.hpp"
#include "ezkvm_config.h"

int main(int argc, char** argv)
{
    using namespace ezkvm::cli;
    CLI::App app{"ezkvm: QEMU/KVM virtual machines from short YAML files, run by systemd"};
    app.set_version_flag("--version", std::string("ezkvm ") + EZKVM_VERSION);
    app.require_subcommand(1);
    GlobalOptions global;
    app.add_flag("--user", global.user, "Work on the invoking user's VMs ($XDG_CONFIG_HOME/ezkvm)");

    Action action;
    for (const auto& command : commands()) {
        CLI::App* sub = app.add_subcommand(command.name, command.summary);
        sub->fallthrough();
        Action run = command.setup(*sub, global);
        sub->callback([&action, run] { action = run; });
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return e.get_exit_code() == 0 ? exit_ok : (code == 0 ? exit_ok : exit_usage);
    }
    return action ? action() : exit_usage;
}
