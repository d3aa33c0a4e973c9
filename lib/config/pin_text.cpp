#include "config/pin_text.hpp"

#include <fmt/format.h>

#include "config/load.hpp"
#include "config/merge.hpp"

namespace ezkvm::config {
namespace {

// Byte offset of each line's start.
std::vector<size_t> line_starts(const std::string& text)
{
    std::vector<size_t> starts{0};
    for (size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n')
            starts.push_back(i + 1);
    return starts;
}

class Editor {
public:
    explicit Editor(const std::string& text) : text_(text), starts_(line_starts(text)) {}

    // The offset of a position, when its line up to there is plain ASCII (yaml-cpp
    // counts columns so that only then they are bytes).
    std::optional<size_t> offset(const Pos& pos) const
    {
        if (pos.line < 1 || static_cast<size_t>(pos.line) > starts_.size())
            return std::nullopt;
        const size_t start = starts_[static_cast<size_t>(pos.line - 1)];
        const size_t at = start + static_cast<size_t>(pos.column - 1);
        if (at > text_.size())
            return std::nullopt;
        for (size_t i = start; i < at; ++i)
            if (static_cast<unsigned char>(text_[i]) >= 0x80 || text_[i] == '\n')
                return std::nullopt;
        return at;
    }
    size_t line_start(int line) const { return starts_[static_cast<size_t>(line - 1)]; }
    char at(size_t offset) const { return offset < text_.size() ? text_[offset] : '\0'; }

    // The '}' closing the flow mapping that opens at `open`, on the same line.
    std::optional<size_t> closing_brace(size_t open) const
    {
        int depth = 0;
        char quote = 0;
        for (size_t i = open; i < text_.size() && text_[i] != '\n'; ++i) {
            const char c = text_[i];
            if (quote) {
                if (c == quote)
                    quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return c == '}' ? std::optional(i) : std::nullopt;
            }
        }
        return std::nullopt;
    }

private:
    const std::string& text_;
    std::vector<size_t> starts_;
};

// Equal content: same kinds, scalars (and their quoting), keys and items; key
// order and positions aside.
bool same_tree(const Node& a, const Node& b)
{
    if (a.kind != b.kind)
        return false;
    switch (a.kind) {
    case Node::Kind::Null: return true;
    case Node::Kind::Scalar: return a.scalar == b.scalar && a.quoted == b.quoted;
    case Node::Kind::Seq:
        if (a.seq.size() != b.seq.size())
            return false;
        for (size_t i = 0; i < a.seq.size(); ++i)
            if (!same_tree(a.seq[i], b.seq[i]))
                return false;
        return true;
    case Node::Kind::Map:
        if (a.map.size() != b.map.size())
            return false;
        for (const Entry& e : a.map) {
            const Entry* other = b.find(e.key);
            if (!other || !same_tree(e.node(), other->node()))
                return false;
        }
        return true;
    }
    return false;
}

Error refuse(std::string why)
{
    return Error{fmt::format("{}; add the version by hand", why)};
}

// One edit: insert `what` at `offset`, replacing `length` bytes.
struct Edit {
    size_t offset = 0;
    size_t length = 0;
    std::string what;
};

// Inside the flow mapping opening at `open`: `entry` added before its closing brace.
Result<Edit> into_flow_map(const Editor& ed, size_t open, const std::string& entry, bool empty)
{
    auto close = ed.closing_brace(open);
    if (!close)
        return refuse("a flow mapping that does not close on its own line");
    size_t end = *close;
    while (end > open + 1 && ed.at(end - 1) == ' ')
        --end;
    return Edit{end, *close - end, empty ? fmt::format(" {} ", entry) : fmt::format(", {} ", entry)};
}

// A new line `entry` before the first entry of the block mapping `map`, at its indentation.
Result<Edit> into_block_map(const Editor& ed, const Node& map, const std::string& entry)
{
    const Pos& first = map.map.front().key_pos;
    if (!ed.offset(first))
        return refuse("a line the editor cannot measure");
    return Edit{ed.line_start(first.line), 0,
                fmt::format("{}{}\n", std::string(static_cast<size_t>(first.column - 1), ' '), entry)};
}

Result<Edit> into_map(const Editor& ed, const Node& map, const std::string& entry)
{
    auto open = ed.offset(map.pos);
    if (!open)
        return refuse("a line the editor cannot measure");
    if (ed.at(*open) == '{')
        return into_flow_map(ed, *open, entry, map.map.empty());
    if (map.map.empty())
        return refuse("an empty block mapping");
    return into_block_map(ed, map, entry);
}

Result<Edit> plan_edit(const Editor& ed, const std::string& text, const Node& root, const std::string& version)
{
    const std::string quoted = fmt::format("\"{}\"", version);
    if (!root.is_map())
        return refuse("the file is not a mapping");
    const Entry* system = root.find("system");
    if (!system) {
        auto open = ed.offset(root.pos);
        if (!root.map.empty() && open && ed.at(*open) == '{')
            return refuse("the whole file is one flow mapping");
        const std::string sep = text.empty() || text.back() == '\n' ? "" : "\n";
        return Edit{text.size(), 0, fmt::format("{}system:\n  chipset: {{ version: {} }}\n", sep, quoted)};
    }
    if (!system->node().is_map())
        return refuse("system is not a mapping");
    const Entry* chipset = system->node().find("chipset");
    if (!chipset)
        return into_map(ed, system->node(), fmt::format("chipset: {{ version: {} }}", quoted));
    const Node& chip = chipset->node();
    if (chip.is_scalar()) {
        auto at = ed.offset(chip.pos);
        if (!at || chip.quoted || text.compare(*at, chip.scalar.size(), chip.scalar) != 0)
            return refuse("a chipset written in a form the editor does not know");
        return Edit{*at, chip.scalar.size(), fmt::format("{{ type: {}, version: {} }}", chip.scalar, quoted)};
    }
    if (!chip.is_map())
        return refuse("system.chipset is neither a chipset name nor a mapping");
    if (const Entry* given = chip.find("version"))
        return Error{fmt::format("the machine version is already pinned to {}", given->node().scalar)};
    return into_map(ed, chip, fmt::format("version: {}", quoted));
}

}  // namespace

Result<std::string> pin_machine_version(const std::string& text, const std::string& version)
{
    Diagnostics diags;
    auto root = load_yaml(text, "file", diags);
    if (!root || diags.has_errors())
        return refuse("the file does not load");
    const Editor ed(text);
    auto edit = plan_edit(ed, text, *root, version);
    if (!edit)
        return edit.error();
    std::string result = text;
    result.replace(edit->offset, edit->length, edit->what);

    // Read back: the same tree with the version added.
    Diagnostics again;
    auto after = load_yaml(result, "file", again);
    if (!after || again.has_errors())
        return refuse("the edited file would not load");
    Node expected = *root;
    auto overlay = load_yaml(fmt::format("system: {{ chipset: {{ version: \"{}\" }} }}\n", version), "pin", again);
    if (!overlay)
        return refuse("the version does not load");
    const Entry* chipset = expected.is_map() && expected.find("system") ? expected.find("system")->node().find("chipset")
                                                                           : nullptr;
    if (chipset && chipset->node().is_scalar())  // `chipset: q35` became `{ type: q35, ... }`
        merge_into(expected, *load_yaml(fmt::format("system: {{ chipset: {{ type: {} }} }}\n",
                                                    chipset->node().scalar), "pin", again));
    merge_into(expected, *overlay);
    if (!same_tree(expected, *after))
        return refuse("the edit would change more than the version");
    return result;
}

}  // namespace ezkvm::config
