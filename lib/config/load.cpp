#include "config/load.hpp"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include "base/utf8.hpp"

namespace ezkvm::config {
namespace {

// Thrown by TreeBuilder (after reporting why) to end loading at once: yaml-cpp
// is never asked for more once a limit is crossed or a second document begins.
struct StopLoading {};

// The byte offset of a 1-based line and column in `text`.
size_t offset_of(std::string_view text, int line, int column)
{
    size_t at = 0;
    for (int l = 1; l < line && at < text.size(); ++l) {
        const size_t end = text.find('\n', at);
        at = end == std::string_view::npos ? text.size() : end + 1;
    }
    return std::min(text.size(), at + static_cast<size_t>(std::max(column - 1, 0)));
}

// The 1-based line and column of a byte offset in `text`.
std::pair<int, int> line_column(std::string_view text, size_t offset)
{
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return {line, static_cast<int>(offset - line_start) + 1};
}

class TreeBuilder : public YAML::EventHandler {
public:
    TreeBuilder(std::string_view text, std::shared_ptr<const std::string> file, Diagnostics& diags)
        : text_(text), file_(std::move(file)), diags_(diags) {}

    std::optional<Node> root;

    // A second document is reported and ends loading. yaml-cpp 0.7 also
    // "starts" a new document, without consuming anything, at a token that
    // cannot begin a value (a lone ','): asked again, it would do so forever.
    void OnDocumentStart(const YAML::Mark& mark) override
    {
        if (++documents_ < 2)
            return;
        const std::string_view rest = text_.substr(offset_of(text_, mark.line + 1, mark.column + 1));
        if (rest.starts_with("---"))
            diags_.error(pos(mark), {}, "a VM file holds one YAML document; remove the second '---' document");
        else if (!rest.empty())
            diags_.error(pos(mark), {}, fmt::format("not valid YAML: unexpected '{}'", first_character(rest)));
        else
            diags_.error(pos(mark), {}, "not valid YAML");
        throw StopLoading{};
    }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override
    {
        check_anchor(mark, anchor);
        Node n;
        n.pos = pos(mark);
        finish(std::move(n));
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override
    {
        diags_.error(pos(mark), {}, "YAML aliases ('*name') are not allowed in VM files; write the value out");
        Node n;
        n.pos = pos(mark);
        finish(std::move(n));
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override
    {
        check_anchor(mark, anchor);
        check_tag(mark, tag);
        if (value.size() > limits::scalar_bytes)
            stop(mark, fmt::format("a value holds at most {} bytes, this one has {}", limits::scalar_bytes, value.size()));
        if (!is_utf8(value))  // what yaml-cpp made of the text: never passed on
            stop(mark, "the value is not UTF-8 text");
        Node n;
        n.kind = Node::Kind::Scalar;
        n.pos = pos(mark);
        n.scalar = value;
        n.quoted = tag == "!";
        finish(std::move(n));
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override
    {
        open(mark, tag, anchor, Node::Kind::Seq);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override
    {
        open(mark, tag, anchor, Node::Kind::Map);
    }
    void OnMapEnd() override { close(); }

private:
    struct Frame {
        Node node;
        std::optional<Node> key;                    // maps: the key waiting for its value
        std::unordered_map<std::string, int> lines;  // maps: the line of each key given
    };

    Pos pos(const YAML::Mark& m) const { return Pos{file_, m.line + 1, m.column + 1}; }

    [[noreturn]] void stop(const Pos& at, std::string message)
    {
        diags_.error(at, {}, std::move(message));
        throw StopLoading{};
    }
    [[noreturn]] void stop(const YAML::Mark& mark, std::string message) { stop(pos(mark), std::move(message)); }

    static std::string_view first_character(std::string_view text)
    {
        size_t length = 1;
        while (length < text.size() && length < 4 && (static_cast<unsigned char>(text[length]) & 0xc0) == 0x80)
            ++length;
        return text.substr(0, length);
    }

    void check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor)
    {
        if (anchor != YAML::NullAnchor)
            diags_.error(pos(mark), {}, "YAML anchors ('&name') are not allowed in VM files; write the value out");
    }

    void check_tag(const YAML::Mark& mark, const std::string& tag)
    {
        if (!tag.empty() && tag != "?" && tag != "!")
            diags_.error(pos(mark), {}, fmt::format("YAML tags ('{}') are not allowed in VM files", tag));
    }

    void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, Node::Kind kind)
    {
        check_anchor(mark, anchor);
        check_tag(mark, tag);
        if (stack_.size() >= limits::depth)
            stop(mark, fmt::format("values nest at most {} deep", limits::depth));
        Frame f;
        f.node.kind = kind;
        f.node.pos = pos(mark);
        stack_.push_back(std::move(f));
    }

    void close()
    {
        Node done = std::move(stack_.back().node);
        stack_.pop_back();
        finish(std::move(done));
    }

    void finish(Node n)
    {
        if (stack_.empty()) {
            if (!root)
                root = std::move(n);
            return;
        }
        Frame& top = stack_.back();
        if (top.node.kind == Node::Kind::Seq) {
            if (top.node.seq.size() >= limits::list_items)
                stop(n.pos, fmt::format("a list holds at most {} items", limits::list_items));
            top.node.seq.push_back(std::move(n));
            return;
        }
        if (!top.key) {
            top.key = std::move(n);
            return;
        }
        Node key = std::move(*top.key);
        top.key.reset();
        if (!key.is_scalar()) {
            diags_.error(key.pos, {}, "mapping keys must be plain names");
            return;
        }
        const auto [first, added] = top.lines.emplace(key.scalar, key.pos.line);
        if (!added) {
            diags_.error(key.pos, {}, fmt::format("duplicate key '{}' (first given at line {})", key.scalar, first->second),
                         "remove one of them");
            return;
        }
        if (top.node.map.size() >= limits::map_keys)
            stop(key.pos, fmt::format("a mapping holds at most {} keys", limits::map_keys));
        Entry e;
        e.key = key.scalar;
        e.key_pos = key.pos;
        e.value.push_back(std::move(n));
        top.node.map.push_back(std::move(e));
    }

    std::string_view text_;
    std::shared_ptr<const std::string> file_;
    Diagnostics& diags_;
    int documents_ = 0;
    std::vector<Frame> stack_;
};

// What yaml-cpp is never given: more than a VM file may hold, or bytes that are not UTF-8.
bool acceptable_text(std::string_view text, const std::shared_ptr<const std::string>& file, Diagnostics& diags)
{
    auto error_at = [&](size_t offset, std::string message, std::string hint = {}) {
        const auto [line, column] = line_column(text, offset);
        diags.error(Pos{file, line, column}, {}, std::move(message), std::move(hint));
    };
    if (text.size() > limits::file_bytes) {
        error_at(limits::file_bytes, "the file is longer than 1 MiB, the most a VM file may hold");
        return false;
    }
    if (auto bad = first_invalid_utf8(text)) {
        error_at(*bad, fmt::format("not UTF-8 text: byte 0x{:02x}", static_cast<unsigned char>(text[*bad])),
                 "a VM file is UTF-8; save it as UTF-8");
        return false;
    }
    // YAML text holds no control characters but tab and line breaks; yaml-cpp
    // 0.7 turns a NUL into a byte that is not UTF-8.
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            error_at(i, fmt::format("control character 0x{:02x} in the text", c),
                     "write it as an escape in a double-quoted string, if at all");
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<Node> load_yaml(std::string_view text, const std::string& name, Diagnostics& diags)
{
    auto file = std::make_shared<const std::string>(name);
    if (!acceptable_text(text, file, diags))
        return std::nullopt;
    std::istringstream in{std::string(text)};
    TreeBuilder builder(text, file, diags);
    try {
        YAML::Parser parser(in);
        while (parser.HandleNextDocument(builder)) {
        }
    } catch (const YAML::Exception& e) {
        diags.error(Pos{file, e.mark.line + 1, e.mark.column + 1}, {},
                    fmt::format("not valid YAML: {}", e.msg));
        return std::nullopt;
    } catch (const StopLoading&) {
        return std::nullopt;
    }
    if (!builder.root || builder.root->is_null()) {
        Node empty;
        empty.kind = Node::Kind::Map;
        empty.pos = Pos{file, 1, 1};
        return empty;
    }
    return std::move(builder.root);
}

std::optional<Node> load_yaml_file(const std::string& path, const std::string& display_name,
                                   Diagnostics& diags)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diags.error(Pos{std::make_shared<const std::string>(display_name)}, {},
                    "cannot read the file (missing or not readable)");
        return std::nullopt;
    }
    // One byte past the limit is enough to know that the file is too long.
    std::string text;
    char chunk[65536];
    while (text.size() <= limits::file_bytes && in.read(chunk, sizeof chunk).gcount() > 0)
        text.append(chunk, static_cast<size_t>(in.gcount()));
    return load_yaml(text, display_name, diags);
}

}  // namespace ezkvm::config
