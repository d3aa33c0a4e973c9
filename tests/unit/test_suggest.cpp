#include <catch2/catch.hpp>

#include "base/suggest.hpp"

using namespace ezkvm;

TEST_CASE("near-miss keys get a suggestion")
{
    const std::vector<std::string> keys{"type", "version", "balloon", "max"};
    CHECK(closest_match("ballon", keys) == "balloon");
    CHECK(closest_match("verison", keys) == "version");
    CHECK(closest_match("Type", keys) == "type");
    CHECK(closest_match("agnet", {"agent", "autostart"}) == "agent");
    CHECK(closest_match("completely-different", keys).empty());
    CHECK(suggestion("ballon", keys) == "did you mean 'balloon'?");
    CHECK(suggestion("xyz", {"a", "b"}) == "expected one of: a, b");
}
