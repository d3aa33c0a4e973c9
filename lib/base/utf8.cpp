#include "base/utf8.hpp"

namespace ezkvm {
namespace {

bool continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// The length of the well-formed sequence at the start of `s`, or 0
// (the table of well-formed byte sequences of the Unicode standard, 3.9).
size_t sequence_length(std::string_view s)
{
    const auto b0 = static_cast<unsigned char>(s[0]);
    if (b0 < 0x80)
        return 1;
    size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // allowed range of the second byte
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        length = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        length = 3;
        if (b0 == 0xe0)
            low = 0xa0;  // overlong
        else if (b0 == 0xed)
            high = 0x9f;  // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        length = 4;
        if (b0 == 0xf0)
            low = 0x90;  // overlong
        else if (b0 == 0xf4)
            high = 0x8f;  // above U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < length)
        return 0;
    const auto b1 = static_cast<unsigned char>(s[1]);
    if (b1 < low || b1 > high)
        return 0;
    for (size_t i = 2; i < length; ++i)
        if (!continuation(static_cast<unsigned char>(s[i])))
            return 0;
    return length;
}

}  // namespace

std::optional<size_t> first_invalid_utf8(std::string_view text)
{
    size_t at = 0;
    while (at < text.size()) {
        const size_t length = sequence_length(text.substr(at));
        if (length == 0)
            return at;
        at += length;
    }
    return std::nullopt;
}

}  // namespace ezkvm
