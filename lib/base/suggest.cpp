#include "base/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace ezkvm {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and
// swaps of two neighbouring letters ("agnet" -> "agent") each cost one.
size_t edit_distance(std::string_view a, std::string_view b)
{
    auto same = [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    };
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
            if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates)
{
    const size_t limit = std::max<size_t>(1, std::min<size_t>(3, word.size() / 3));
    std::string best;
    size_t best_distance = limit + 1;
    for (const auto& c : candidates) {
        // The distance is at least the difference in length: a 4000-byte
        // unknown key needs no table of 4000 x length(candidate).
        if (word.size() > c.size() + limit || c.size() > word.size() + limit)
            continue;
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
