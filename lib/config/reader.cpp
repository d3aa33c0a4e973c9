#include "config/reader.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <fmt/format.h>

#include "base/suggest.hpp"
#include "config/keys.hpp"
#include "base/quantities.hpp"

namespace ezkvm::config {
namespace {

}  // namespace

std::optional<bool> parse_bool(std::string_view text)
{
    std::string lower;
    for (char c : text)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "yes" || lower == "on" || lower == "true")
        return true;
    if (lower == "no" || lower == "off" || lower == "false")
        return false;
    return std::nullopt;
}

std::optional<std::string> scalar_text(const Node& node, const std::string& path, Diagnostics& diags)
{
    if (!node.is_scalar()) {
        diags.error(node.pos, path, fmt::format("expected a value, got {}", Node::kind_name(node.kind)));
        return std::nullopt;
    }
    // Control characters change what a path means once it is in a unit file or
    // a command line (systemd reads "\x01" as "x01" in RequiresMountsFor=).
    for (char c : node.scalar) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            diags.error(node.pos, path, "values cannot contain line breaks, tabs or other control characters");
            return std::nullopt;
        }
    }
    return node.scalar;
}

MapReader::MapReader(const Node* node, std::string path, Diagnostics& diags, std::string_view form)
    : node_(node), path_(std::move(path)), allowed_(keys_of(path_, form)), diags_(diags)
{
    if (node_ && node_->is_null())
        node_ = nullptr;
    if (!node_)
        return;
    if (!node_->is_map()) {
        diags_.error(node_->pos, path_, fmt::format("expected a mapping of keys, got {}", Node::kind_name(node_->kind)));
        node_ = nullptr;
        return;
    }
    for (const auto& e : node_->map) {
        if (!is_allowed(e.key))
            diags_.error(e.key_pos, path_of(e.key), "unknown key", suggestion(e.key, allowed_));
    }
}

bool MapReader::is_allowed(const std::string& key) const
{
    return std::find(allowed_.begin(), allowed_.end(), key) != allowed_.end();
}

const Node* MapReader::get(const std::string& key) const
{
    assert(is_allowed(key) && "reader asked for a key it did not declare");
    if (!node_)
        return nullptr;
    const Entry* e = node_->find(key);
    if (!e || e->node().is_null())
        return nullptr;
    return &e->node();
}

Pos MapReader::pos_of(const std::string& key) const
{
    if (!node_)
        return {};
    if (const Entry* e = node_->find(key))
        return e->node().pos;
    return node_->pos;
}

std::optional<std::string> MapReader::str(const std::string& key) const
{
    const Node* n = get(key);
    if (!n)
        return std::nullopt;
    return scalar_text(*n, path_of(key), diags_);
}

std::optional<bool> MapReader::boolean(const std::string& key) const
{
    auto text = str(key);
    if (!text)
        return std::nullopt;
    if (auto b = parse_bool(*text))
        return b;
    error(key, fmt::format("expected yes/no (or on/off, true/false), got '{}'", *text));
    return std::nullopt;
}

std::optional<uint64_t> MapReader::number(const std::string& key, uint64_t min, uint64_t max) const
{
    auto text = str(key);
    if (!text)
        return std::nullopt;
    auto n = parse_uint(*text);
    if (!n) {
        error(key, fmt::format("expected a whole number, got '{}'", *text));
        return std::nullopt;
    }
    if (*n < min || *n > max) {
        error(key, fmt::format("{} is out of range (expected {} to {})", *n, min, max));
        return std::nullopt;
    }
    return n;
}

std::optional<uint64_t> MapReader::size(const std::string& key, uint64_t bare_unit) const
{
    auto text = str(key);
    if (!text)
        return std::nullopt;
    auto n = parse_size(*text, bare_unit);
    if (!n) {
        const char* bare = bare_unit == (1u << 20) ? "MiB" : "bytes";
        error(key, fmt::format("expected a size such as 4G, 512M or a number of {}, got '{}'", bare, *text));
        return std::nullopt;
    }
    return n;
}

std::optional<uint64_t> MapReader::duration(const std::string& key) const
{
    auto text = str(key);
    if (!text)
        return std::nullopt;
    auto n = parse_duration(*text);
    if (!n) {
        error(key, fmt::format("expected a duration such as 90, 90s or 2min, got '{}'", *text));
        return std::nullopt;
    }
    return n;
}

std::optional<std::string> MapReader::absolute_path(const std::string& key) const
{
    auto text = str(key);
    if (!text)
        return std::nullopt;
    if (text->empty() || text->front() != '/') {
        error(key, fmt::format("expected an absolute path (starting with '/'), got '{}'", *text));
        return std::nullopt;
    }
    return text;
}

std::optional<std::vector<std::string>> MapReader::str_list(const std::string& key, char sep) const
{
    const Node* n = get(key);
    if (!n)
        return std::nullopt;
    std::vector<std::string> out;
    if (n->is_seq()) {
        bool ok = true;
        for (size_t i = 0; i < n->seq.size(); ++i) {
            auto item = scalar_text(n->seq[i], fmt::format("{}[{}]", path_of(key), i), diags_);
            if (item)
                out.push_back(*item);
            else
                ok = false;
        }
        return ok ? std::optional(out) : std::nullopt;
    }
    auto text = scalar_text(*n, path_of(key), diags_);
    if (!text)
        return std::nullopt;
    if (sep == 0) {
        out.push_back(*text);
        return out;
    }
    size_t start = 0;
    while (start <= text->size()) {
        size_t end = text->find(sep, start);
        if (end == std::string::npos)
            end = text->size();
        std::string part = text->substr(start, end - start);
        while (!part.empty() && part.front() == ' ')
            part.erase(0, 1);
        while (!part.empty() && part.back() == ' ')
            part.pop_back();
        if (!part.empty())
            out.push_back(part);
        start = end + 1;
    }
    return out;
}

MapReader MapReader::map(const std::string& key) const
{
    return MapReader(get(key), path_of(key), diags_);
}

std::vector<const Node*> MapReader::list(const std::string& key) const
{
    std::vector<const Node*> out;
    const Node* n = get(key);
    if (!n)
        return out;
    if (!n->is_seq()) {
        diags_.error(n->pos, path_of(key), fmt::format("expected a list, got {}", Node::kind_name(n->kind)));
        return out;
    }
    for (const auto& item : n->seq)
        out.push_back(&item);
    return out;
}

void MapReader::error(const std::string& key, std::string message, std::string hint) const
{
    diags_.error(pos_of(key), path_of(key), std::move(message), std::move(hint));
}

void MapReader::warning(const std::string& key, std::string message, std::string hint) const
{
    diags_.warning(pos_of(key), path_of(key), std::move(message), std::move(hint));
}

void MapReader::bad_choice(const std::string& key, const std::string& got, const std::vector<std::string>& names) const
{
    error(key, fmt::format("'{}' is not a valid choice", got), suggestion(got, names));
}

}  // namespace ezkvm::config
