#include "base/quantities.hpp"

#include <cctype>
#include <charconv>
#include <string>

namespace ezkvm {
namespace {

// Splits "16G" into 16 and "G".
bool split_number(std::string_view text, uint64_t& number, std::string& suffix)
{
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (ec != std::errc() || ptr == text.data())
        return false;
    suffix.clear();
    for (const char* p = ptr; p != end; ++p)
        suffix += static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
    while (!suffix.empty() && suffix.front() == ' ')
        suffix.erase(0, 1);
    return true;
}

std::optional<uint64_t> multiply(uint64_t n, uint64_t unit)
{
    if (unit != 0 && n > UINT64_MAX / unit)
        return std::nullopt;
    return n * unit;
}

}  // namespace

std::optional<uint64_t> parse_uint(std::string_view text)
{
    uint64_t n = 0;
    std::string suffix;
    if (!split_number(text, n, suffix) || !suffix.empty())
        return std::nullopt;
    return n;
}

std::optional<uint64_t> parse_size(std::string_view text, uint64_t bare_unit)
{
    uint64_t n = 0;
    std::string suffix;
    if (!split_number(text, n, suffix))
        return std::nullopt;
    if (suffix.empty())
        return multiply(n, bare_unit);
    if (suffix == "B")
        return n;
    static constexpr std::string_view letters = "KMGT";
    const auto at = letters.find(suffix[0]);
    if (at == std::string_view::npos)
        return std::nullopt;
    const std::string_view rest = std::string_view(suffix).substr(1);
    if (!rest.empty() && rest != "B" && rest != "IB")
        return std::nullopt;
    return multiply(n, uint64_t{1} << (10 * (at + 1)));
}

std::optional<uint64_t> parse_duration(std::string_view text)
{
    uint64_t n = 0;
    std::string suffix;
    if (!split_number(text, n, suffix))
        return std::nullopt;
    if (suffix.empty() || suffix == "S" || suffix == "SEC")
        return n;
    if (suffix == "M" || suffix == "MIN")
        return multiply(n, 60);
    if (suffix == "H")
        return multiply(n, 3600);
    return std::nullopt;
}

}  // namespace ezkvm
