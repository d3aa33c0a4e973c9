#pragma once
// "Did you mean": the closest known word to a misspelt one, for error hints.
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm {

// The candidate closest to `word` when it is a plausible typo, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// "did you mean 'x'?" or "expected one of: a, b, c".
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates);

std::string join(const std::vector<std::string>& items, std::string_view sep);

}  // namespace ezkvm
