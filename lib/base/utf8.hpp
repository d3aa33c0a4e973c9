#pragma once
// UTF-8 validity, checked by hand: VM files are UTF-8 text, and nothing that
// is not UTF-8 may reach a unit file (systemd drops such lines) or a JSON
// writer (nlohmann-json throws on it).
#include <cstddef>
#include <optional>
#include <string_view>

namespace ezkvm {

// The offset of the first byte that does not start a well-formed UTF-8
// sequence (overlong forms, surrogates and code points above U+10FFFF are
// not well-formed), or nullopt when all of `text` is UTF-8.
std::optional<size_t> first_invalid_utf8(std::string_view text);

inline bool is_utf8(std::string_view text) { return !first_invalid_utf8(text); }

}  // namespace ezkvm
