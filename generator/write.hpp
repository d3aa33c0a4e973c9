#pragma once
// Writing generated files into the generator's output directory: each file
// appears complete or not at all (a temporary file renamed into place), and
// never replaces an existing one, so a file generated twice is an error
// instead of a silent overwrite.
#include <optional>
#include <string>

#include "units/generated_file.hpp"

namespace ezkvm::generator {

// Creates `file` under `dir` (and the directories leading to it).
// Returns an error message, or nullopt when it was written.
std::optional<std::string> write_exclusive(const std::string& dir, const units::GeneratedFile& file);

}  // namespace ezkvm::generator
