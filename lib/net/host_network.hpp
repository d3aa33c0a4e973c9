#pragma once
// The host side of a VM's network, made by the privileged prepare step and
// removed by the cleanup step (ExecStopPost=+, also after a crash).
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/spec.hpp"
#include "base/diagnostic.hpp"

namespace ezkvm::net {

struct LinkUser {
    uid_t uid = 0;
    gid_t gid = 0;
};

// Creates the taps (owned by `user`, joined to their bridge, up) and macvtaps
// (their /dev/tapN given to `user`) of `spec`'s NICs, after removing any left
// by an earlier run of the VM. Returns the interfaces created; problems go to `diags`.
std::vector<std::string> setup_host_network(const config::VmSpec& spec, const LinkUser& user, Diagnostics& diags);

// Removes every interface named for VM `vm` (derived from the name, so the VM
// file is not needed). Returns the interfaces removed.
std::vector<std::string> remove_host_network(std::string_view vm, Diagnostics& diags);

}  // namespace ezkvm::net
