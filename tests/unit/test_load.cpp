#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "config/load.hpp"

using namespace ezkvm;
using namespace ezkvm::config;

namespace {
std::string first_error(std::string_view text)
{
    Diagnostics d;
    load_yaml(text, "vm.yaml", d);
    for (const auto& item : d.items())
        if (item.severity == Severity::Error)
            return item.str();
    return {};
}
}  // namespace

TEST_CASE("nodes keep their positions")
{
    Diagnostics d;
    auto root = load_yaml("general:\n  name: win11\nsystem:\n  memory: { max: 4G }\n", "vm.yaml", d);
    REQUIRE(root);
    REQUIRE(d.empty());
    const Entry* sys = root->find("system");
    REQUIRE(sys);
    const Entry* mem = sys->node().find("memory");
    REQUIRE(mem);
    const Entry* max = mem->node().find("max");
    REQUIRE(max);
    CHECK(max->node().scalar == "4G");
    CHECK(max->node().pos.line == 4);
    CHECK(max->node().pos.column == 18);
    CHECK(max->key_pos.column == 13);
}

TEST_CASE("quoted scalars are marked")
{
    Diagnostics d;
    auto root = load_yaml("a: \"8.1\"\nb: 8.1\n", "vm.yaml", d);
    REQUIRE(root);
    CHECK(root->find("a")->node().quoted);
    CHECK_FALSE(root->find("b")->node().quoted);
}

TEST_CASE("what VM files may not use is rejected with its position")
{
    CHECK(first_error("a: 1\na: 2\n") ==
          "vm.yaml:2:1: error: duplicate key 'a' (first given at line 1) (remove one of them)");
    CHECK(first_error("a: &x 1\nb: *x\n") ==
          "vm.yaml:1:4: error: YAML anchors ('&name') are not allowed in VM files; write the value out");
    CHECK(first_error("a: !!str 1\n") == "vm.yaml:1:4: error: YAML tags ('tag:yaml.org,2002:str') are not allowed in VM files");
    CHECK(first_error("a: 1\n---\nb: 2\n") ==
          "vm.yaml:2:1: error: a VM file holds one YAML document; remove the second '---' document");
    CHECK(first_error("a: [1, 2\n").rfind("vm.yaml:", 0) == 0);
    CHECK(first_error("? [a, b]\n: 1\n") == "vm.yaml:1:3: error: mapping keys must be plain names");
}

TEST_CASE("an empty document is an empty mapping")
{
    Diagnostics d;
    auto root = load_yaml("", "vm.yaml", d);
    REQUIRE(root);
    CHECK(root->is_map());
    CHECK(root->map.empty());
}

TEST_CASE("input that stalls yaml-cpp 0.7 is an error, not a hang")
{
    // Each of these left yaml-cpp's HandleNextDocument returning documents
    // without consuming anything, forever.
    CHECK(first_error(",") == "vm.yaml:1:1: error: not valid YAML: unexpected ','");
    CHECK(first_error("]") .rfind("vm.yaml:1:1: error: not valid YAML", 0) == 0);
    CHECK(first_error("a: 1\n}\n").rfind("vm.yaml:2:1: error: not valid YAML", 0) == 0);
}

TEST_CASE("loading stops at the second document")
{
    Diagnostics d;
    load_yaml("a: 1\n---\nb: [unclosed\n", "vm.yaml", d);
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].str() == "vm.yaml:2:1: error: a VM file holds one YAML document; remove the second '---' document");
}

TEST_CASE("a VM file is UTF-8 text")
{
    CHECK(first_error("file: \"/\x80\"\n") ==
          "vm.yaml:1:9: error: not UTF-8 text: byte 0x80 (a VM file is UTF-8; save it as UTF-8)");
    CHECK(first_error("a: 1\nextra_args: \xb3\n") ==
          "vm.yaml:2:13: error: not UTF-8 text: byte 0xb3 (a VM file is UTF-8; save it as UTF-8)");
    // yaml-cpp 0.7 turned "\x7f\0" into "\x7f\xa0", which is not UTF-8.
    CHECK(first_error(std::string("path: /run/\x7f\0_\n", 15)) ==
          "vm.yaml:1:12: error: control character 0x7f in the text (write it as an escape in a double-quoted string, if at all)");
    CHECK(first_error(std::string("path: /run/a\0_\n", 15)) ==
          "vm.yaml:1:13: error: control character 0x00 in the text (write it as an escape in a double-quoted string, if at all)");
    Diagnostics d;
    CHECK(load_yaml("description: \"Gr\xc3\xbc\xc3\x9f" "e\"\n", "vm.yaml", d));
    CHECK(d.empty());
}

TEST_CASE("the size of a VM file and of its values is capped")
{
    const std::string long_value(limits::scalar_bytes + 1, 'x');
    CHECK(first_error("a: ok\nb: " + long_value + "\n") ==
          "vm.yaml:2:4: error: a value holds at most 4096 bytes, this one has 4097");
    CHECK(first_error("a: " + std::string(limits::scalar_bytes, 'x') + "\n").empty());

    std::string list = "a: [";
    for (size_t i = 0; i <= limits::list_items; ++i)
        list += "1, ";
    list += "1]\n";
    CHECK(first_error(list).rfind("vm.yaml:1:3077: error: a list holds at most 1024 items", 0) == 0);

    std::string keys;
    for (size_t i = 0; i <= limits::map_keys; ++i)
        keys += "k" + std::to_string(i) + ": 1\n";
    CHECK(first_error(keys) == "vm.yaml:257:1: error: a mapping holds at most 256 keys");

    std::string deep = std::string(limits::depth + 1, '[') + std::string(limits::depth + 1, ']');
    CHECK(first_error(deep) == "vm.yaml:1:33: error: values nest at most 32 deep");
    std::string fine = std::string(limits::depth, '[') + std::string(limits::depth, ']');
    CHECK(first_error(fine).empty());

    std::string big;
    while (big.size() <= limits::file_bytes)
        big += "# a comment line that makes the file long\n";
    CHECK(first_error(big) == fmt::format("vm.yaml:{}:{}: error: the file is longer than 1 MiB, the most a VM file may hold",
                                          limits::file_bytes / 42 + 1, limits::file_bytes % 42 + 1));
}

TEST_CASE("duplicate keys are found among many")
{
    std::string keys;
    for (int i = 0; i < 200; ++i)
        keys += "k" + std::to_string(i) + ": 1\n";
    CHECK(first_error(keys).empty());
    CHECK(first_error(keys + "k150: 2\n") ==
          "vm.yaml:201:1: error: duplicate key 'k150' (first given at line 151) (remove one of them)");
}
