#pragma once
// What the invoking user may see of a VM, so commands can say what they cannot
// show and why instead of printing errors as state. A system VM's journal is
// for root and the groups journald lets read it; its runtime directory (QMP,
// console and display sockets) belongs to the VM's user, so root and that user
// reach it, members of group ezkvm only start, stop and watch it from systemd.
#include <string>

#include "base/vm_paths.hpp"

namespace ezkvm::cli {

// Whether the system journal shows this user every unit's lines: root, or a
// member of systemd-journal, adm or wheel.
bool may_read_system_journal();

// Whether this user can get into the VM's runtime directory (its sockets).
bool may_reach_sockets(const VmPaths& paths);

// The sentence for what a user who cannot reach a system VM's sockets can do instead.
std::string sockets_hint(const std::string& command, const std::string& vm);

}  // namespace ezkvm::cli
