#include <catch2/catch.hpp>

#include "base/quantities.hpp"

using namespace ezkvm;

TEST_CASE("sizes with binary suffixes")
{
    CHECK(parse_size("4G", 1) == 4ull << 30);
    CHECK(parse_size("512M", 1) == 512ull << 20);
    CHECK(parse_size("128MiB", 1) == 128ull << 20);
    CHECK(parse_size("64k", 1) == 64ull << 10);
    CHECK(parse_size("2T", 1) == 2ull << 40);
    CHECK(parse_size("4096", 1ull << 20) == 4096ull << 20);
    CHECK(parse_size("540672B", 1ull << 20) == 540672);
}

TEST_CASE("bad sizes are rejected")
{
    CHECK_FALSE(parse_size("", 1));
    CHECK_FALSE(parse_size("G", 1));
    CHECK_FALSE(parse_size("4X", 1));
    CHECK_FALSE(parse_size("-4G", 1));
    CHECK_FALSE(parse_size("4.5G", 1));
    CHECK_FALSE(parse_size("99999999999T", 1));
}

TEST_CASE("durations")
{
    CHECK(parse_duration("90") == 90);
    CHECK(parse_duration("90s") == 90);
    CHECK(parse_duration("2min") == 120);
    CHECK(parse_duration("2m") == 120);
    CHECK(parse_duration("1h") == 3600);
    CHECK_FALSE(parse_duration("soon"));
    CHECK_FALSE(parse_duration("5d"));
}
