#include "config/merge.hpp"

namespace ezkvm::config {

void merge_into(Node& base, const Node& overlay)
{
    if (!base.is_map() || !overlay.is_map()) {
        base = overlay;
        return;
    }
    for (const Entry& item : overlay.map) {
        if (Entry* existing = base.find(item.key)) {
            merge_into(existing->node(), item.node());
            existing->key_pos = item.key_pos;
        } else {
            base.map.push_back(item);
        }
    }
}

}  // namespace ezkvm::config
