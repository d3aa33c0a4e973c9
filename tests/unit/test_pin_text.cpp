#include <catch2/catch.hpp>

#include "config/pin_text.hpp"

using ezkvm::config::pin_machine_version;

namespace {

std::string pinned(const std::string& text)
{
    auto result = pin_machine_version(text, "7.2");
    INFO(text);
    REQUIRE(result);
    return *result;
}

std::string refusal(const std::string& text)
{
    auto result = pin_machine_version(text, "7.2");
    REQUIRE_FALSE(result);
    return result.error().message;
}

}  // namespace

TEST_CASE("pin: into a flow chipset, keeping the comments and the rest of the line")
{
    CHECK(pinned("# my VM\ngeneral: { template: windows-11 }  # win\nsystem:\n"
                 "  chipset: { type: \"q35\" }  # keep\n  cpu: { cores: 4 }\n") ==
          "# my VM\ngeneral: { template: windows-11 }  # win\nsystem:\n"
          "  chipset: { type: \"q35\", version: \"7.2\" }  # keep\n  cpu: { cores: 4 }\n");
    CHECK(pinned("system:\n  chipset: {}\n") == "system:\n  chipset: { version: \"7.2\" }\n");
}

TEST_CASE("pin: into a block chipset at its indentation")
{
    CHECK(pinned("system:\n    chipset:\n        # the board\n        type: q35\n    cpu: { cores: 2 }\n") ==
          "system:\n    chipset:\n        # the board\n        version: \"7.2\"\n        type: q35\n"
          "    cpu: { cores: 2 }\n");
}

TEST_CASE("pin: the chipset shorthand becomes a mapping")
{
    CHECK(pinned("system:\n  chipset: q35 # short\n") == "system:\n  chipset: { type: q35, version: \"7.2\" } # short\n");
}

TEST_CASE("pin: a system without chipset, in block and flow style, and a file without system")
{
    CHECK(pinned("system:\n  # sizes\n  memory: { max: 8G }\n") ==
          "system:\n  # sizes\n  chipset: { version: \"7.2\" }\n  memory: { max: 8G }\n");
    CHECK(pinned("system: { memory: { max: 8G } }\n") ==
          "system: { memory: { max: 8G }, chipset: { version: \"7.2\" } }\n");
    CHECK(pinned("{ system: { cpu: { cores: 2 } }, general: { } }\n") ==
          "{ system: { cpu: { cores: 2 }, chipset: { version: \"7.2\" } }, general: { } }\n");
    CHECK(pinned("general: { template: windows-11 }") ==
          "general: { template: windows-11 }\nsystem:\n  chipset: { version: \"7.2\" }\n");
}

TEST_CASE("pin: refuses what it cannot place for sure, and a version already there")
{
    CHECK(refusal("system:\n  chipset: { type: q35, version: \"7.1\" }\n") ==
          "the machine version is already pinned to 7.1");
    CHECK(refusal("system:\n  chipset: { type: q35,\n             }\n").find("does not close on its own line") !=
          std::string::npos);
    CHECK(refusal("{ general: { name: x } }\n").find("one flow mapping") != std::string::npos);
    CHECK(refusal("system: [ 1 ]\n").find("not a mapping") != std::string::npos);
    CHECK(refusal("system:\n  chipset: \"q35\"\n").find("does not know") != std::string::npos);
    CHECK(refusal("system: {\n  cpu: { cores: 2 } }\n").find("add the version by hand") != std::string::npos);
}
