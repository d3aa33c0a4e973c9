#pragma once
// `args:` is split into words the way Proxmox splits it (shell words: blanks
// separate, '...' and "..." quote, a backslash escapes the next character).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::import {

// nullopt with `error` set on an unterminated quote or a trailing backslash.
std::optional<std::vector<std::string>> split_shell_words(std::string_view text, std::string& error);

}  // namespace ezkvm::import
