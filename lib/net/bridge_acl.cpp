#include "net/bridge_acl.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace ezkvm::net {
namespace {

constexpr int max_include_depth = 8;

struct Verdict {
    bool allowed = false;
    bool denied = false;
};

Result<void> read_acl(const std::string& root, const std::string& path, const std::string& bridge, int depth,
                      Verdict& verdict)
{
    if (depth > max_include_depth)
        return Error{fmt::format("{}: includes nested more than {} deep", path, max_include_depth)};
    std::ifstream in(root + path);
    if (!in) {
        if (depth == 0 && errno == ENOENT)
            return {};  // no ACL: nothing allowed
        return errno_error(fmt::format("cannot read {}", path), errno);
    }
    std::string line;
    for (unsigned number = 1; std::getline(in, line); ++number) {
        if (auto hash = line.find('#'); hash != std::string::npos)
            line.resize(hash);
        std::istringstream words(line);
        std::string verb, argument, extra;
        if (!(words >> verb))
            continue;
        if (!(words >> argument) || (words >> extra))
            return Error{fmt::format("{}:{}: expected 'allow BRIDGE', 'deny BRIDGE' or 'include FILE'", path, number)};
        if (verb == "allow") {
            verdict.allowed |= argument == "all" || argument == bridge;
        } else if (verb == "deny") {
            verdict.denied |= argument == "all" || argument == bridge;
        } else if (verb == "include") {
            if (!argument.starts_with('/'))
                return Error{fmt::format("{}:{}: include needs an absolute path", path, number)};
            if (auto included = read_acl(root, argument, bridge, depth + 1, verdict); !included)
                return included;
        } else {
            return Error{fmt::format("{}:{}: unknown rule '{}' (allow, deny or include)", path, number, verb)};
        }
    }
    return {};
}

}  // namespace

Result<bool> bridge_allowed(const std::string& root, const std::string& path, const std::string& bridge)
{
    Verdict verdict;
    errno = 0;
    if (auto read = read_acl(root, path, bridge, 0, verdict); !read)
        return read.error();
    return verdict.allowed && !verdict.denied;
}

}  // namespace ezkvm::net
