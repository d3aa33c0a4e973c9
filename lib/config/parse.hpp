#pragma once
// From the merged Node tree (built-ins < template < site defaults < VM file)
// to a validated VmSpec. Every problem is added to `diags`; the result is
// only to be used when no error was added.
#include <string>

#include "config/node.hpp"
#include "config/spec.hpp"

namespace ezkvm::config {

// `vm_name` is the file name without ".yaml" (already checked to be a valid VM name).
VmSpec parse_spec(const Node& root, const std::string& vm_name, Diagnostics& diags);

// True when `name` is a valid VM name (letters, digits, '-', '_', '.', starting with a
// letter or digit, at most 64 characters).
bool valid_vm_name(std::string_view name);

}  // namespace ezkvm::config
