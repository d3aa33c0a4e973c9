#include <fmt/format.h>

#include "config/parse_internal.hpp"

namespace ezkvm::config::detail {

std::optional<std::string> checked(const MapReader& r, const std::string& key,
                                   bool (*valid)(std::string_view), std::string_view what,
                                   std::string hint)
{
    auto text = r.str(key);
    if (!text)
        return std::nullopt;
    if (!valid(*text)) {
        r.error(key, fmt::format("expected {}, got '{}'", what, *text), std::move(hint));
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> normalised(const MapReader& r, const std::string& key,
                                      std::optional<std::string> (*normalise)(std::string_view),
                                      std::string_view what)
{
    auto text = r.str(key);
    if (!text)
        return std::nullopt;
    auto result = normalise(*text);
    if (!result)
        r.error(key, fmt::format("expected {}, got '{}'", what, *text));
    return result;
}

MapReader item_reader(const Node* item, const std::string& path, Diagnostics& diags)
{
    if (item->is_null())
        diags.error(item->pos, path, "expected a mapping of keys, got an empty item");
    return MapReader(item, path, diags);
}

std::string item_path(const MapReader& parent, const std::string& key, size_t index)
{
    return fmt::format("{}[{}]", parent.path_of(key), index);
}

}  // namespace ezkvm::config::detail
