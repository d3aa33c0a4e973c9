#pragma once
// The loaded form of a VM file: a plain tree of maps, sequences and scalars,
// each node remembering where it was written.
#include <string>
#include <vector>

#include "base/diagnostic.hpp"

namespace ezkvm::config {

struct Node;

struct Entry {
    std::string key;
    Pos key_pos;
    std::vector<Node> value;  // exactly one element; a vector because Node is incomplete here
    const Node& node() const { return value.front(); }
    Node& node() { return value.front(); }
};

struct Node {
    enum class Kind { Null, Scalar, Map, Seq };

    Kind kind = Kind::Null;
    Pos pos;
    std::string scalar;        // Scalar only
    bool quoted = false;       // Scalar only: written in quotes (never a bool/number keyword)
    std::vector<Entry> map;    // Map only, in file order
    std::vector<Node> seq;     // Seq only

    bool is_null() const { return kind == Kind::Null; }
    bool is_scalar() const { return kind == Kind::Scalar; }
    bool is_map() const { return kind == Kind::Map; }
    bool is_seq() const { return kind == Kind::Seq; }

    const Entry* find(std::string_view key) const;
    Entry* find(std::string_view key);

    static const char* kind_name(Kind k);  // "a mapping", "a list", ...
};

}  // namespace ezkvm::config
