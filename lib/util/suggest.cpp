#include "util/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace ezkvm {
namespace {

size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates)
{
    const size_t limit = std::max<size_t>(1, std::min<size_t>(3, word.size() / 3));
    std::string best;
    size_t best_distance = limit + 1;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

std::string suggestion(std::string_view word, const std::vector<std::string>& candidates)
{
    const std::string best = closest_match(word, candidates);
    if (!best.empty())
        return fmt::format("did you mean '{}'?", best);
    return "expected one of: " + join(candidates, ", ");
}

std::string join(const std::vector<std::string>& items, std::string_view sep)
{
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i)
            out += sep;
        out += items[i];
    }
    return out;
}

}  // namespace ezkvm
