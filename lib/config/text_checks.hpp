#pragma once
// Character classes for the small formats of VM files, checked with plain
// loops. No std::regex: libstdc++'s recurses once per character, so a long
// value overflowed the stack.
#include <cstddef>
#include <string_view>

namespace ezkvm::config::detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_alnum(char c) { return is_digit(c) || is_lower(c) || is_upper(c); }
inline bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// [A-Za-z0-9_.-]: names of files, interfaces, credentials
inline bool is_name_char(char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; }

// Not empty, and every character in the class.
template <class Class>
bool all_of_class(std::string_view text, Class in_class)
{
    if (text.empty())
        return false;
    for (char c : text)
        if (!in_class(c))
            return false;
    return true;
}

// Exactly `count` hexadecimal digits.
inline bool hex_digits(std::string_view text, size_t count) { return text.size() == count && all_of_class(text, is_hex); }

}  // namespace ezkvm::config::detail
