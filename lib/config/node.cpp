#include "config/node.hpp"

namespace ezkvm::config {

const Entry* Node::find(std::string_view key) const
{
    for (const auto& e : map)
        if (e.key == key)
            return &e;
    return nullptr;
}

Entry* Node::find(std::string_view key)
{
    for (auto& e : map)
        if (e.key == key)
            return &e;
    return nullptr;
}

const char* Node::kind_name(Kind k)
{
    switch (k) {
    case Kind::Null: return "nothing";
    case Kind::Scalar: return "a value";
    case Kind::Map: return "a mapping";
    case Kind::Seq: return "a list";
    }
    return "?";
}

}  // namespace ezkvm::config
