#include "base/shell_quote.hpp"

#include <cctype>

namespace ezkvm {

std::string shell_quote(std::string_view word)
{
    bool safe = !word.empty();
    for (char c : word) {
        const auto u = static_cast<unsigned char>(c);
        if (!std::isalnum(u) && std::string_view("@%+=:,./_-").find(c) == std::string_view::npos)
            safe = false;
    }
    if (safe)
        return std::string(word);
    std::string out = "'";
    for (char c : word) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

}  // namespace ezkvm
