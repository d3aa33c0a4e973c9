#pragma once
// The VM file as YAML text, through yaml-cpp's emitter (which does the
// quoting and escaping): header comment lines first, then the tree.
#include <string>
#include <vector>

#include "import/vm_file.hpp"

namespace ezkvm::import {

std::string to_yaml(const OutNode& root, const std::vector<std::string>& header);

}  // namespace ezkvm::import
