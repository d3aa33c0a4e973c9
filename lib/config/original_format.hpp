#pragma once
// Files of the original tool, the format ezkvm grew out of, keep the hardware
// it gave them. Such a file names no template (the original had none) and names
// its VM in general.name (the original identified VMs by it; ezkvm needs it
// not). Where such a file leaves a key out, the original tool's behaviour fills
// it in, below the site defaults and the file itself, as a template would;
// ezkvm.yaml(5) ("FILES OF THE ORIGINAL TOOL") lists each choice and why.
#include <optional>

#include "config/node.hpp"

namespace ezkvm::config {

// Whether `own` (a VM file) with the site defaults `site` is of the original format.
bool is_original_format(const Node& own, const Node& site);

// The original tool's defaults for this file (`own` merged over `site`), as
// a tree to merge below them.
Node original_defaults(const Node& file);

// The name under which messages show the defaults' positions.
inline constexpr const char* original_defaults_name = "<defaults of the original tool>";

}  // namespace ezkvm::config
