#pragma once
// The host probe's answer for the commands that plan a VM (check, show, run,
// start): from the cache, or probed once per process when it is not current.
#include "hostcaps/capabilities.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::cli {

// nullptr when nothing could be found out (why goes to stderr, once).
const hostcaps::Capabilities* host_capabilities(Scope scope);

}  // namespace ezkvm::cli
