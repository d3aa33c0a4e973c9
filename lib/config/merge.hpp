#pragma once
// The deep merge of template, site defaults and VM file (resolve step).
#include "config/node.hpp"

namespace ezkvm::config {

// Lays `overlay` over `base`: mappings merge key by key (recursively), every
// other value — lists included — replaces what was there. Nodes keep the
// position of the file they came from.
void merge_into(Node& base, const Node& overlay);

}  // namespace ezkvm::config
