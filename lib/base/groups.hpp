#pragma once
// Group membership by name, for the checks that decide what a person may do.
#include <sys/types.h>

#include <vector>

namespace ezkvm {

// The group polkit's rule lets start and stop every system VM (polkit/50-ezkvm.rules),
// and whose members may put their own VMs on allowed bridges: for people only.
inline constexpr const char* operators_group = "ezkvm";

// Whether the group `name` exists and its gid is one of `gids`.
bool group_among(const char* name, const std::vector<gid_t>& gids);

// Whether this process has group `name` (effective or supplementary).
bool process_in_group(const char* name);

}  // namespace ezkvm
