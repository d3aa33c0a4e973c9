#pragma once
// Strict YAML loading: yaml-cpp parses, this builds a positioned Node tree and
// rejects what VM files may not use (anchors, aliases, tags, duplicate keys,
// non-scalar keys, several documents).
#include <optional>
#include <string>
#include <string_view>

#include "config/node.hpp"

namespace ezkvm::config {

// `name` is how the file is shown in messages. An empty document gives an
// empty mapping. Returns nullopt only when nothing usable was read.
std::optional<Node> load_yaml(std::string_view text, const std::string& name, Diagnostics& diags);

// Reads `path` (a real path, already prefixed with EZKVM_ROOT when needed);
// messages name the file `display_name`.
std::optional<Node> load_yaml_file(const std::string& path, const std::string& display_name,
                                   Diagnostics& diags);

}  // namespace ezkvm::config
