#pragma once
// Finding the descriptor files that are in force: a file name in a
// higher-precedence directory hides the same name in lower ones, and an empty
// file (or a link to /dev/null) hides it without providing a descriptor.
#include <string>
#include <vector>

#include "firmware/firmware.hpp"
#include "base/diagnostic.hpp"

namespace ezkvm::firmware {

struct FoundDescriptor {
    std::string name;       // file name, the sort key
    std::string host_path;  // where it is on the host ("/usr/share/qemu/firmware/60-edk2-x86_64.json")
    std::string read_path;  // the path read (root-prefixed)
};

// The descriptors in force under `sources`, sorted by file name. Missing
// directories are normal; directories that cannot be listed give a warning.
// Messages name host paths, never root-prefixed ones, so they read the same
// whatever EZKVM_ROOT is.
std::vector<FoundDescriptor> discover(const Sources& sources, Diagnostics& diags);

// `path` with `root` put in front ("" or "/" leave it unchanged).
std::string under_root(const std::string& root, const std::string& path);

}  // namespace ezkvm::firmware
