#include <catch2/catch.hpp>

#include "base/shell_quote.hpp"

using ezkvm::shell_quote;

TEST_CASE("shell quoting keeps every argument one word")
{
    CHECK(shell_quote("-machine") == "-machine");
    CHECK(shell_quote("file=/a,,b.img") == "file=/a,,b.img");
    CHECK(shell_quote("console=ttyS0 quiet") == "'console=ttyS0 quiet'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("$HOME") == "'$HOME'");
    CHECK(shell_quote("") == "''");
}
