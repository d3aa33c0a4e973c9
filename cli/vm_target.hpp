#pragma once
// What the commands that talk to a running VM (console, qmp, monitor, view)
// share: the VM named on the command line, its paths, and errors that say
// whether the VM does not exist or is not running.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.hpp"
#include "base/fd.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::cli {

struct VmTarget {
    std::string name;
    Scope scope = Scope::System;
    VmPaths paths;
    bool from_file = false;  // named by a VM file (ezkvm --user start FILE runs it as a transient unit)
};

// The VM an argument names: a VM name, or a VM file (config::is_file_argument),
// whose VM's name it is. nullopt after printing why neither.
std::optional<std::string> vm_name_of(const std::string& arg, const GlobalOptions& global);

// nullopt (after printing why) when `arg` names no VM.
std::optional<VmTarget> vm_target(const std::string& arg, const GlobalOptions& global);

// Connects to one of the VM's sockets; prints the reason and returns an
// invalid Fd when that fails.
Fd connect_to_vm(const VmTarget& vm, const std::string& path, std::string_view what);

// The names of the VMs in the config directories of `scope`.
std::vector<std::string> vm_names(Scope scope);

}  // namespace ezkvm::cli
