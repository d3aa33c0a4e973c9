#pragma once
// A whole file as text, as read by a command (never through root's safe_open paths).
#include <optional>
#include <string>

namespace ezkvm {

// Its bytes; nullopt when it cannot be opened.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace ezkvm
