#include "config/emit.hpp"

#include <yaml-cpp/emitter.h>

namespace ezkvm::config {
namespace {

void emit(YAML::Emitter& out, const Node& node)
{
    switch (node.kind) {
    case Node::Kind::Null:
        out << YAML::Null;
        break;
    case Node::Kind::Scalar:
        if (node.quoted)
            out << YAML::DoubleQuoted;
        out << node.scalar;
        break;
    case Node::Kind::Seq:
        out << YAML::BeginSeq;
        for (const auto& item : node.seq)
            emit(out, item);
        out << YAML::EndSeq;
        break;
    case Node::Kind::Map:
        out << YAML::BeginMap;
        for (const auto& e : node.map) {
            out << YAML::Key << e.key << YAML::Value;
            emit(out, e.node());
        }
        out << YAML::EndMap;
        break;
    }
}

}  // namespace

std::string to_yaml(const Node& root)
{
    YAML::Emitter out;
    emit(out, root);
    return std::string(out.c_str()) + "\n";
}

}  // namespace ezkvm::config
