#pragma once
// Typed, strict access to one mapping of a VM file. A MapReader takes the keys
// that mapping may hold from the key table (keys.hpp): any other key is an error
// at once (with a "did you mean"), so no key is ever silently ignored. Every getter reports a
// wrong type or bad value with the node's position and key path and returns
// nullopt, so parsing goes on and all errors of a file are reported.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/node.hpp"

namespace ezkvm::config {

template <class E>
using Choices = std::vector<std::pair<std::string, E>>;

class MapReader {
public:
    // `node` may be null (section absent): every getter then returns nullopt.
    // A node that is not a mapping is reported as an error.
    // `form` names a second shape of the same path in the key table ("group").
    MapReader(const Node* node, std::string path, Diagnostics& diags, std::string_view form = {});

    bool present() const { return node_ != nullptr; }
    const std::string& path() const { return path_; }
    Pos pos() const { return node_ ? node_->pos : Pos{}; }
    Diagnostics& diags() const { return diags_; }

    const Node* get(const std::string& key) const;  // null when absent or null-valued
    Pos pos_of(const std::string& key) const;         // the value's position (or the map's)
    std::string path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    std::optional<std::string> str(const std::string& key) const;
    std::optional<bool> boolean(const std::string& key) const;
    std::optional<uint64_t> number(const std::string& key, uint64_t min, uint64_t max) const;
    std::optional<uint64_t> size(const std::string& key, uint64_t bare_unit) const;
    std::optional<uint64_t> duration(const std::string& key) const;
    std::optional<std::string> absolute_path(const std::string& key) const;
    // A string or a list of strings; a string is split on `sep` when sep != 0.
    std::optional<std::vector<std::string>> str_list(const std::string& key, char sep) const;

    template <class E>
    std::optional<E> choice(const std::string& key, const Choices<E>& choices) const
    {
        auto text = str(key);
        if (!text)
            return std::nullopt;
        for (const auto& [name, value] : choices)
            if (name == *text)
                return value;
        bad_choice(key, *text, names_of(choices));
        return std::nullopt;
    }

    // A sub-mapping reader (absent when the key is absent).
    MapReader map(const std::string& key) const;
    // The items of a list (empty when absent); a non-list is reported.
    std::vector<const Node*> list(const std::string& key) const;

    void error(const std::string& key, std::string message, std::string hint = {}) const;
    void warning(const std::string& key, std::string message, std::string hint = {}) const;

private:
    template <class E>
    static std::vector<std::string> names_of(const Choices<E>& choices)
    {
        std::vector<std::string> names;
        for (const auto& c : choices)
            names.push_back(c.first);
        return names;
    }
    void bad_choice(const std::string& key, const std::string& got, const std::vector<std::string>& names) const;
    bool is_allowed(const std::string& key) const;

    const Node* node_;
    std::string path_;
    std::vector<std::string> allowed_;
    Diagnostics& diags_;
};

// Scalar checks shared with list items.
std::optional<std::string> scalar_text(const Node& node, const std::string& path, Diagnostics& diags);
std::optional<bool> parse_bool(std::string_view text);

}  // namespace ezkvm::config
