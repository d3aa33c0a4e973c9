#include <catch2/catch.hpp>

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
