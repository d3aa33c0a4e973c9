#pragma once
// Host paths as systemd and the sandbox see them: normalized, and told apart
// as device nodes or files.
#include <string>
#include <string_view>

namespace ezkvm {

// `path` with empty and "." components dropped and ".." resolved lexically
// (systemd refuses paths that are not normalized), without a trailing slash.
std::string normalize_path(std::string_view path);

// Under /dev but not a file in /dev/shm: a device node.
bool is_device_path(const std::string& path);

}  // namespace ezkvm
