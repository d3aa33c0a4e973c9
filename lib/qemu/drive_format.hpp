#pragma once
// The image format qemu is told for a drive. qemu never probes: a guest that
// writes an image header into a raw disk must not change how the host reads it.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/spec.hpp"

namespace ezkvm::qemu {

using FormatProbe = std::function<std::optional<config::DriveFormat>(const std::string& path)>;

// The configured format, else: by file extension (.qcow2/.qcow, .vmdk, .vdi,
// .vhdx, .img/.raw/.iso), raw for paths under /dev, what `probe` finds in an
// existing file, and finally raw for cdroms, qcow2 for images ezkvm creates, raw otherwise.
config::DriveFormat drive_format(const config::Drive& drive, bool cdrom, const FormatProbe& probe);

// qemu's name: "raw", "qcow2", ...
std::string_view format_name(config::DriveFormat format);

}  // namespace ezkvm::qemu
