#pragma once
// Quoting for POSIX shells, for the command lines ezkvm prints for people to paste.
#include <string>
#include <string_view>

namespace ezkvm {

// `word` as one POSIX shell word: unchanged when it holds only safe
// characters, else in single quotes with embedded quotes written '\''.
std::string shell_quote(std::string_view word);

}  // namespace ezkvm
