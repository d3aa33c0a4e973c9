#pragma once
// A Node tree back to YAML text, for `ezkvm show --resolved`.
#include <string>

#include "config/node.hpp"

namespace ezkvm::config {

// The tree as YAML text (block style; scalars quoted where they were quoted).
std::string to_yaml(const Node& root);

}  // namespace ezkvm::config
