#include <catch2/catch.hpp>

#include "config/emit.hpp"
#include "config/load.hpp"
#include "config/merge.hpp"

using namespace ezkvm;
using namespace ezkvm::config;

namespace {
Node parse(std::string_view text, const std::string& name)
{
    Diagnostics d;
    auto n = load_yaml(text, name, d);
    REQUIRE(n);
    REQUIRE(d.empty());
    return *n;
}
}  // namespace

TEST_CASE("maps merge key by key, lists and scalars replace")
{
    Node base = parse("system:\n  cpu: { model: max, cores: 2 }\n  rtc: localtime\n"
                      "network:\n  - { type: user }\n  - { type: user }\n",
                      "template.yaml");
    Node vm = parse("system:\n  cpu: { cores: 8 }\nnetwork:\n  - { type: bridge }\n", "vm.yaml");
    merge_into(base, vm);
    CHECK(to_yaml(base) ==
          "system:\n  cpu:\n    model: max\n    cores: 8\n  rtc: localtime\n"
          "network:\n  - type: bridge\n");
}

TEST_CASE("merged values keep the position of the file they came from")
{
    Node base = parse("system:\n  rtc: localtime\n", "template.yaml");
    Node vm = parse("system:\n  hyperv: yes\n", "vm.yaml");
    merge_into(base, vm);
    const Node& sys = base.find("system")->node();
    CHECK(*sys.find("rtc")->node().pos.file == "template.yaml");
    CHECK(*sys.find("hyperv")->node().pos.file == "vm.yaml");
    CHECK(sys.find("hyperv")->node().pos.line == 2);
}

TEST_CASE("a scalar in the VM file replaces a template mapping")
{
    Node base = parse("system:\n  chipset: { type: q35, version: \"7.2\" }\n", "template.yaml");
    Node vm = parse("system:\n  chipset: i440fx\n", "vm.yaml");
    merge_into(base, vm);
    CHECK(to_yaml(base) == "system:\n  chipset: i440fx\n");
}
