#include "import/vm_file.hpp"

#include <algorithm>

#include "import/text.hpp"

namespace ezkvm::import {
namespace {

bool plain_safe(std::string_view s)
{
    static constexpr std::string_view words[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"};
    if (s.empty())
        return false;
    const std::string folded = lower(s);
    if (std::find(std::begin(words), std::end(words), folded) != std::end(words))
        return false;
    const char first = s.front();
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '/' || first == '_'))
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
               c == '.' || c == '+' || c == '-';
    });
}

std::pair<std::string_view, std::string_view> split_first(std::string_view path)
{
    const size_t dot = path.find('.');
    if (dot == std::string_view::npos)
        return {path, {}};
    return {path.substr(0, dot), path.substr(dot + 1)};
}

}  // namespace

OutNode OutNode::text(std::string value)
{
    OutNode n;
    n.kind = Kind::Scalar;
    n.quoted = !plain_safe(value);
    n.scalar = std::move(value);
    return n;
}

OutNode OutNode::number(uint64_t value)
{
    OutNode n;
    n.kind = Kind::Scalar;
    n.scalar = std::to_string(value);
    return n;
}

OutNode OutNode::size(uint64_t value, char unit)
{
    OutNode n = number(value);
    n.scalar += unit;
    return n;
}

OutNode OutNode::yes_no(bool value)
{
    OutNode n;
    n.kind = Kind::Scalar;
    n.boolean = true;
    n.scalar = value ? "yes" : "no";
    return n;
}

OutNode OutNode::flow_map()
{
    OutNode n;
    n.flow = true;
    return n;
}

OutNode OutNode::list(bool flow)
{
    OutNode n;
    n.kind = Kind::Seq;
    n.flow = flow;
    return n;
}

OutNode& OutNode::entry(const std::string& key)
{
    for (auto& [k, v] : map)
        if (k == key)
            return v;
    return map.emplace_back(key, OutNode{}).second;
}

OutNode& OutNode::at(std::string_view path)
{
    if (path.empty())
        return *this;
    const auto [head, rest] = split_first(path);
    return entry(std::string(head)).at(rest);
}

const OutNode* OutNode::find(std::string_view path) const
{
    if (path.empty())
        return this;
    const auto [head, rest] = split_first(path);
    for (const auto& [k, v] : map)
        if (k == head)
            return v.find(rest);
    return nullptr;
}

OutNode& OutNode::set(std::string_view path, OutNode value, std::string comment)
{
    OutNode& target = at(path);
    const bool keep_flow = target.flow && value.kind == Kind::Map && value.map.empty();
    target = std::move(value);
    target.flow = target.flow || keep_flow;
    if (!comment.empty())
        target.comment = std::move(comment);
    return target;
}

void OutNode::erase(std::string_view path)
{
    const auto [head, rest] = split_first(path);
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (it->first != head)
            continue;
        if (rest.empty())
            map.erase(it);
        else
            it->second.erase(rest);
        return;
    }
}

void OutNode::prune_empty()
{
    for (auto& [k, v] : map)
        v.prune_empty();
    for (auto& item : seq)
        item.prune_empty();
    map.erase(std::remove_if(map.begin(), map.end(),
                             [](const auto& e) {
                                 return (e.second.kind == Kind::Map && e.second.map.empty()) ||
                                        (e.second.kind == Kind::Seq && e.second.seq.empty());
                             }),
              map.end());
}

}  // namespace ezkvm::import
