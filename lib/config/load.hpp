#pragma once
// Strict YAML loading: yaml-cpp parses, this builds a positioned Node tree and
// rejects what VM files may not use (anchors, aliases, tags, duplicate keys,
// non-scalar keys, several documents, text that is not UTF-8) and what is
// larger than any VM file needs to be (limits below).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/node.hpp"

namespace ezkvm::config {

// Far above what a VM file needs, they bound the time and memory one file can
// take (and keep yaml-cpp's recursion shallow). ezkvm.yaml(5) documents them.
namespace limits {
inline constexpr size_t file_bytes = 1 << 20;  // a whole file
inline constexpr size_t scalar_bytes = 4096;   // one value or key (PATH_MAX)
inline constexpr size_t list_items = 1024;     // one list
inline constexpr size_t map_keys = 256;        // one mapping
inline constexpr size_t depth = 32;            // lists and mappings inside each other
}  // namespace limits

// `name` is how the file is shown in messages. An empty document gives an
// empty mapping. Returns nullopt when nothing usable was read: the text is
// not YAML or not UTF-8, exceeds a limit, or holds a second document.
std::optional<Node> load_yaml(std::string_view text, const std::string& name, Diagnostics& diags);

// Reads `path` (a real path, already prefixed with EZKVM_ROOT when needed),
// never more than limits::file_bytes + 1 bytes of it; messages name the file
// `display_name`.
std::optional<Node> load_yaml_file(const std::string& path, const std::string& display_name,
                                   Diagnostics& diags);

}  // namespace ezkvm::config
