#pragma once
// The host probe's answer, kept in a file and trusted for as long as nothing
// that could change it changed: the qemu binary (device, inode, size, mtime),
// the running kernel, and /dev/kvm (present, which device, whether it opens).
// System scope: /var/cache/ezkvm/host-capabilities.json, written by root;
// user scope: $XDG_CACHE_HOME/ezkvm/. EZKVM_CACHE_DIR replaces the directory;
// EZKVM_HOST_CAPABILITIES=FILE uses a recorded answer instead (tests), and
// EZKVM_HOST_CAPABILITIES=none pretends nothing is known.
#include <optional>
#include <string>

#include "hostcaps/capabilities.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::hostcaps {

struct HostView {
    std::optional<Capabilities> caps;  // nullopt: nothing known (plans keep qemu's defaults)
    std::string source;                // "probe", "cache /var/cache/...", "EZKVM_HOST_CAPABILITIES=..."
    std::string note;                  // what went wrong getting them, if anything
};

// The generator's view: the cache only, never a probe. Early at boot /dev/kvm
// may not exist yet, so only qemu and the kernel must match.
HostView cached_for_boot(Scope scope);

// The cache when it is current, else a fresh probe, stored when the cache is writable.
HostView current(Scope scope);

// A fresh probe, stored when the cache is writable.
HostView refreshed(Scope scope);

std::string cache_file(Scope scope);

}  // namespace ezkvm::hostcaps
