#include "import/yaml_writer.hpp"

#include <yaml-cpp/emitter.h>

namespace ezkvm::import {
namespace {

// Comments end at the line: anything below a space becomes one.
std::string one_line(const std::string& text)
{
    std::string out = text;
    for (auto& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    return out;
}

void emit(YAML::Emitter& out, const OutNode& node)
{
    switch (node.kind) {
    case OutNode::Kind::Scalar:
        if (node.quoted)
            out << YAML::DoubleQuoted;
        out << node.scalar;
        break;
    case OutNode::Kind::Map:
        if (node.flow)
            out << YAML::Flow;
        out << YAML::BeginMap;
        for (const auto& [key, value] : node.map) {
            out << YAML::Key << key << YAML::Value;
            emit(out, value);
        }
        out << YAML::EndMap;
        break;
    case OutNode::Kind::Seq:
        if (node.flow)
            out << YAML::Flow;
        out << YAML::BeginSeq;
        for (const auto& item : node.seq)
            emit(out, item);
        out << YAML::EndSeq;
        break;
    }
    // yaml-cpp places a comment after the value it follows; within a flow
    // collection it would break the line, so only block positions get one.
    if (!node.comment.empty())
        out << YAML::Comment(one_line(node.comment));
}

// Flow collections hold no comments of their own (see emit).
void drop_inner_comments(OutNode& node, bool inside_flow)
{
    if (inside_flow)
        node.comment.clear();
    const bool flow = inside_flow || node.flow;
    for (auto& [k, v] : node.map)
        drop_inner_comments(v, flow);
    for (auto& item : node.seq)
        drop_inner_comments(item, flow);
}

}  // namespace

std::string to_yaml(const OutNode& root, const std::vector<std::string>& header)
{
    OutNode tree = root;
    drop_inner_comments(tree, false);
    std::string text;
    for (const auto& line : header)
        text += "# " + one_line(line) + "\n";
    YAML::Emitter out;
    emit(out, tree);
    text += out.c_str();
    if (text.empty() || text.back() != '\n')
        text += '\n';
    return text;
}

}  // namespace ezkvm::import
