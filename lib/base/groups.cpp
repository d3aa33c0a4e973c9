#include "base/groups.hpp"

#include <grp.h>
#include <unistd.h>

#include <algorithm>

namespace ezkvm {

bool group_among(const char* name, const std::vector<gid_t>& gids)
{
    const group* g = ::getgrnam(name);
    return g && std::find(gids.begin(), gids.end(), g->gr_gid) != gids.end();
}

bool process_in_group(const char* name)
{
    std::vector<gid_t> gids{::getegid()};
    const int count = ::getgroups(0, nullptr);
    std::vector<gid_t> supplementary(static_cast<size_t>(std::max(count, 0)));
    if (count > 0 && ::getgroups(count, supplementary.data()) == count)
        gids.insert(gids.end(), supplementary.begin(), supplementary.end());
    return group_among(name, gids);
}

}  // namespace ezkvm
