#include "import/property_string.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "import/text.hpp"

namespace ezkvm::import {

std::optional<bool> parse_flag(std::string_view text)
{
    const std::string word = lower(text);
    if (word == "1" || word == "on" || word == "yes" || word == "true")
        return true;
    if (word == "0" || word == "off" || word == "no" || word == "false")
        return false;
    return std::nullopt;
}

std::optional<Properties> Properties::parse(std::string_view text, std::string_view default_key, std::string& error)
{
    Properties props;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(',', start);
        if (end == std::string_view::npos)
            end = text.size();
        const std::string_view part = text.substr(start, end - start);
        start = end + 1;
        if (part.empty()) {
            error = fmt::format("empty part in '{}'", text);
            return std::nullopt;
        }
        const size_t eq = part.find('=');
        std::string key(eq == std::string_view::npos ? default_key : part.substr(0, eq));
        std::string value(eq == std::string_view::npos ? part : part.substr(eq + 1));
        if (key.empty()) {
            error = eq == std::string_view::npos ? fmt::format("'{}' needs a key (key=value)", part)
                                                 : fmt::format("'{}' has no key before '='", part);
            return std::nullopt;
        }
        if (props.has(key)) {
            error = fmt::format("'{}' is given twice", key);
            return std::nullopt;
        }
        props.items_.emplace_back(std::move(key), std::move(value));
    }
    return props;
}

const std::string* Properties::get(std::string_view key) const
{
    for (const auto& [k, v] : items_)
        if (k == key)
            return &v;
    return nullptr;
}

bool Properties::flag(std::string_view key, bool fallback) const
{
    const auto* value = get(key);
    if (!value)
        return fallback;
    return parse_flag(*value).value_or(fallback);
}

std::vector<std::string> Properties::others(const std::vector<std::string_view>& known) const
{
    std::vector<std::string> out;
    for (const auto& [k, v] : items_)
        if (std::find(known.begin(), known.end(), k) == known.end())
            out.push_back(k);
    return out;
}

}  // namespace ezkvm::import
