#pragma once
// Where a key path ("system.cpu.flags") was written in a merged VM tree, for
// findings made after parsing (host checks): the deepest node of the path
// that exists, so a key left to its default points at its section.
#include <string_view>

#include "config/node.hpp"

namespace ezkvm::config {

Pos position_of(const Node& merged, std::string_view path);

}  // namespace ezkvm::config
