#include "config/load.hpp"

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace ezkvm::config {
namespace {

class TreeBuilder : public YAML::EventHandler {
public:
    TreeBuilder(std::shared_ptr<const std::string> file, Diagnostics& diags)
        : file_(std::move(file)), diags_(diags) {}

    std::optional<Node> root;
    int documents = 0;

    void OnDocumentStart(const YAML::Mark& mark) override
    {
        if (++documents == 2)
            diags_.error(pos(mark), {}, "a VM file holds one YAML document; remove the second '---' document");
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
        std::optional<Node> key;  // maps: the key waiting for its value
    };

    Pos pos(const YAML::Mark& m) const { return Pos{file_, m.line + 1, m.column + 1}; }

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
        if (const Entry* first = top.node.find(key.scalar)) {
            diags_.error(key.pos, {},
                         fmt::format("duplicate key '{}' (first given at line {})", key.scalar, first->key_pos.line),
                         "remove one of them");
            return;
        }
        Entry e;
        e.key = key.scalar;
        e.key_pos = key.pos;
        e.value.push_back(std::move(n));
        top.node.map.push_back(std::move(e));
    }

    std::shared_ptr<const std::string> file_;
    Diagnostics& diags_;
    std::vector<Frame> stack_;
};

}  // namespace

std::optional<Node> load_yaml(std::string_view text, const std::string& name, Diagnostics& diags)
{
    auto file = std::make_shared<const std::string>(name);
    std::istringstream in{std::string(text)};
    TreeBuilder builder(file, diags);
    try {
        YAML::Parser parser(in);
        while (parser.HandleNextDocument(builder)) {
        }
    } catch (const YAML::Exception& e) {
        diags.error(Pos{file, e.mark.line + 1, e.mark.column + 1}, {},
                    fmt::format("not valid YAML: {}", e.msg));
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
    std::ostringstream text;
    text << in.rdbuf();
    return load_yaml(text.str(), display_name, diags);
}

}  // namespace ezkvm::config
