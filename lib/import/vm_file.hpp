#pragma once
// The VM file being written: an ordered tree of mappings, lists and scalars,
// each of which may carry a comment naming the Proxmox line it came from.
// Paths are dotted keys ("system.cpu.cores").
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ezkvm::import {

struct OutNode {
    enum class Kind { Scalar, Map, Seq };

    Kind kind = Kind::Map;
    std::string scalar;
    bool quoted = false;     // written in double quotes
    bool boolean = false;    // a yes/no value
    bool flow = false;       // a mapping or list written inline ({ a: 1 }, [a, b])
    std::string comment;     // "# ..." after the value
    std::vector<std::pair<std::string, OutNode>> map;
    std::vector<OutNode> seq;

    // A string, quoted when YAML could read it as something else (a number, a
    // boolean, null) or it holds characters beyond letters, digits and /_.+-.
    static OutNode text(std::string value);
    static OutNode number(uint64_t value);
    // A size such as "16G": plain, as YAML reads it as text anyway.
    static OutNode size(uint64_t value, char unit);
    static OutNode yes_no(bool value);
    static OutNode flow_map();
    static OutNode list(bool flow = false);

    // The child at `path`, made (as mappings) when missing.
    OutNode& at(std::string_view path);
    const OutNode* find(std::string_view path) const;
    // Sets the scalar (or subtree) at `path`; returns it.
    OutNode& set(std::string_view path, OutNode value, std::string comment = {});
    // Within a mapping: the entry `key` (made when missing).
    OutNode& entry(const std::string& key);
    void erase(std::string_view path);
    // Drops mappings and lists left empty (recursively).
    void prune_empty();
};

}  // namespace ezkvm::import
