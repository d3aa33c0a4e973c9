#pragma once
// The kvmfr module's shared-memory devices (/dev/kvmfr<N>) for looking-glass.
// Their size is fixed when the module loads (static_size_mb=A,B,... one
// entry per device, in MiB).
#include <cstdint>
#include <optional>
#include <string>

namespace ezkvm::host {

// The size in bytes of /dev/kvmfr<N> (`device`, unprefixed), read under `root`
// from /sys/class/kvmfr/kvmfr<N>/size, else from the module's static_size_mb
// parameter; nullopt when the host does not say.
std::optional<uint64_t> kvmfr_size(const std::string& device, const std::string& root);

// The modprobe line that makes /dev/kvmfr<N> hold at least `size` bytes.
std::string kvmfr_modprobe_hint(const std::string& device, uint64_t size);

}  // namespace ezkvm::host
