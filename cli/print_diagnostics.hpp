#pragma once
// Printing diagnostics the same way in every command.
#include <ostream>

#include "base/diagnostic.hpp"

namespace ezkvm::cli {

// Each diagnostic on its own line ("file:line:col: error: path: message (hint)").
void print_diagnostics(std::ostream& out, const Diagnostics& diags);

}  // namespace ezkvm::cli
