#include "cli/host_capabilities.hpp"

#include <iostream>
#include <map>

#include "hostcaps/cache.hpp"

namespace ezkvm::cli {

const hostcaps::Capabilities* host_capabilities(Scope scope)
{
    static std::map<Scope, hostcaps::HostView> views;
    auto found = views.find(scope);
    if (found == views.end()) {
        found = views.emplace(scope, hostcaps::current(scope)).first;
        if (!found->second.note.empty())
            std::cerr << "ezkvm: note: " << found->second.note << '\n';
    }
    return found->second.caps ? &*found->second.caps : nullptr;
}

}  // namespace ezkvm::cli
