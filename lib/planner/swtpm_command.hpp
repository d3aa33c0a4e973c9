#pragma once
// swtpm's command line for a VM's TPM: the same for `ezkvm run` (which passes
// a socket it listens on itself) and ezkvm-swtpm@.service (socket activation).
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::planner {

// `ctrl` is swtpm's --ctrl value, "type=unixio,fd=N".
std::vector<std::string> swtpm_command(const config::VmSpec& spec, const VmPaths& paths, const std::string& binary,
                                       const std::string& ctrl);

}  // namespace ezkvm::planner
