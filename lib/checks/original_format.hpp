#pragma once
// What `ezkvm check` says about a file of the original tool
// (config/original_format.hpp) where ezkvm deliberately gives its guest other
// hardware than the original did, in a way an installed guest notices.
#include "config/resolve.hpp"

namespace ezkvm::checks {

void check_original_format(const config::LoadedVm& vm, Diagnostics& diags);

}  // namespace ezkvm::checks
