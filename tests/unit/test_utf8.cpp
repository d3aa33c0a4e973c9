#include <catch2/catch.hpp>

#include "base/json_text.hpp"
#include "base/utf8.hpp"

using namespace ezkvm;

TEST_CASE("well-formed UTF-8 is accepted")
{
    CHECK(is_utf8(""));
    CHECK(is_utf8("plain ASCII /var/lib/ezkvm"));
    CHECK(is_utf8("Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x96\xa5"));  // 2-, 3- and 4-byte sequences
    CHECK(is_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST_CASE("the first byte that is not UTF-8 is found")
{
    CHECK(first_invalid_utf8("/\x80") == 1u);                 // a lone continuation byte
    CHECK(first_invalid_utf8("ab\xb3") == 2u);
    CHECK(first_invalid_utf8("\xc3") == 0u);                  // cut short
    CHECK(first_invalid_utf8("\xc0\xaf") == 0u);              // overlong '/'
    CHECK(first_invalid_utf8("\xe0\x80\xaf") == 0u);          // overlong
    CHECK(first_invalid_utf8("x\xed\xa0\x80") == 1u);         // a UTF-16 surrogate
    CHECK(first_invalid_utf8("\xf4\x90\x80\x80") == 0u);      // above U+10FFFF
    CHECK(first_invalid_utf8("\xff\xfe" "a\0") == 0u);        // UTF-16 byte order mark
    CHECK(first_invalid_utf8("\xe2\x82" "x") == 0u);          // bad continuation
}

TEST_CASE("JSON text never throws on bytes that are not UTF-8")
{
    // nlohmann-json's dump() threw type_error.316: `ezkvm show --json` aborted.
    const nlohmann::json argv = std::vector<std::string>{"-name", "a\xb3" "b"};
    CHECK(json_text(argv) == "[\"-name\",\"a\xef\xbf\xbd" "b\"]");
    CHECK(json_text(argv, 2) == "[\n  \"-name\",\n  \"a\xef\xbf\xbd" "b\"\n]");
}
