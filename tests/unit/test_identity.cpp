#include <catch2/catch.hpp>

#include <set>

#include "units/identity.hpp"
#include "units/unit_file.hpp"

using namespace ezkvm::units;

TEST_CASE("a VM without general.user gets a dynamic user of its own")
{
    const auto identity = vm_identity("web", "");
    CHECK(identity.user == "ezkvm-web");
    CHECK(identity.dynamic);
    CHECK(vm_identity("db", "").user != identity.user);
}

TEST_CASE("general.user is a static user, shared by every VM naming it")
{
    CHECK(vm_identity("web", "qemu").user == "qemu");
    CHECK_FALSE(vm_identity("web", "qemu").dynamic);
    CHECK(vm_identity("db", "qemu").user == "qemu");
}

TEST_CASE("VM user names fit systemd's 31 characters, and long names stay apart")
{
    const std::string longest_plain(25, 'a');
    CHECK(vm_user_name(longest_plain) == "ezkvm-" + longest_plain);
    std::set<std::string> names;
    for (const std::string vm : {std::string(26, 'a'), std::string(64, 'a'), std::string(63, 'a') + "b",
                                 std::string("win11.gaming"), std::string("win11_gaming")}) {
        const auto name = vm_user_name(vm);
        CHECK(name.size() <= max_user_name);
        CHECK(name.starts_with("ezkvm-"));
        CHECK(name.find('.') == std::string::npos);
        CHECK(names.insert(name).second);
    }
    CHECK(vm_user_name("win11.gaming") == vm_user_name("win11.gaming"));  // stable
}

TEST_CASE("every unit of the VM names the same identity")
{
    UnitFile unit("test");
    add_identity(unit, vm_identity("web", ""));
    const auto text = unit.render();
    CHECK(text.find("DynamicUser=yes\nUser=ezkvm-web\n") != std::string::npos);
    UnitFile other("test");
    add_identity(other, vm_identity("web", "qemu"));
    CHECK(other.render().find("DynamicUser") == std::string::npos);
    CHECK(other.render().find("User=qemu\n") != std::string::npos);
}
