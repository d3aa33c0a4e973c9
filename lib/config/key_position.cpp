#include "config/key_position.hpp"

namespace ezkvm::config {

Pos position_of(const Node& merged, std::string_view path)
{
    const Node* node = &merged;
    while (!path.empty()) {
        const size_t dot = path.find('.');
        const Entry* e = node->is_map() ? node->find(path.substr(0, dot)) : nullptr;
        if (!e)
            break;
        node = &e->node();
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    return node->pos;
}

}  // namespace ezkvm::config
