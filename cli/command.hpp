#pragma once
// The table of subcommands: each file cmd_<name>.cpp adds its options to its
// CLI11 subcommand and returns what to run once the command line is parsed.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/vm_paths.hpp"

namespace ezkvm::cli {

// Options every command shares.
struct GlobalOptions {
    bool user = false;  // --user: the invoking user's VMs
    Scope scope() const { return user ? Scope::User : Scope::System; }
};

using Action = std::function<int()>;

struct Command {
    const char* name;
    const char* summary;
    Action (*setup)(CLI::App& app, const GlobalOptions& global);
};

const std::vector<Command>& commands();

// Exit codes shared by all commands.
constexpr int exit_ok = 0;
constexpr int exit_errors = 1;
constexpr int exit_usage = 2;

}  // namespace ezkvm::cli
