#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "qemu/identity.hpp"
#include "test_qemu_support.hpp"

using namespace ezkvm;
using namespace ezkvm::qemu;

TEST_CASE("FNV-1a 64 matches the published test vectors")
{
    CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
    CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
    CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
}

TEST_CASE("derived MACs are stable, locally administered and distinct")
{
    const std::regex form("52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}");
    CHECK(std::regex_match(derived_mac("win11", 0), form));
    CHECK(derived_mac("win11", 0) == derived_mac("win11", 0));
    // Pinned: a MAC must never change between ezkvm versions, or guests see a new NIC.
    CHECK(derived_mac("win11", 0) == "52:54:00:6c:f5:4b");
    std::set<std::string> seen;
    for (const char* vm : {"win11", "win10", "linux", "a", "b"})
        for (unsigned i = 0; i < 4; ++i)
            seen.insert(derived_mac(vm, i));
    CHECK(seen.size() == 20);
}

TEST_CASE("derived UUIDs are RFC 9562 version 8 and stable per name")
{
    const std::regex form("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    for (const char* vm : {"win11", "x", "a-very-long-vm-name.with_dots"})
        CHECK(std::regex_match(derived_uuid(vm), form));
    CHECK(derived_uuid("win11") == derived_uuid("win11"));
    CHECK(derived_uuid("win11") != derived_uuid("win10"));
    CHECK(derived_uuid("win11") == "bf96d449-7d8c-8911-b608-e3db52709727");
}

TEST_CASE("tap names fit IFNAMSIZ and differ per VM and NIC")
{
    const std::regex form("ez[0-9a-f]{8}n[0-9]+");
    const std::string name(64, 'v');
    CHECK(std::regex_match(tap_name(name, 9999), form));
    CHECK(tap_name(name, 9999).size() == 15);
    CHECK(tap_name("win11", 0) == tap_name("win11", 0));
    CHECK(tap_name("win11", 0) != tap_name("win11", 1));
    CHECK(tap_name("win11", 0) != tap_name("win10", 0));
}

TEST_CASE("derived drive serials fit NVMe's 20 characters")
{
    CHECK(derived_serial("vm", "/a.img").size() == 18);
    CHECK(derived_serial("vm", "/a.img") != derived_serial("vm", "/b.img"));
    CHECK(derived_serial("vm", "/a.img") != derived_serial("vm2", "/a.img"));
}

TEST_CASE("identity section: name, uuid given or derived, no defaults")
{
    auto spec = test::base_spec("win11");
    auto b = test::build(spec);
    CHECK(b.argv().front() == "/usr/bin/qemu-system-x86_64");
    CHECK(test::has(b.argv(), "-name", "guest=win11,debug-threads=on"));
    CHECK(test::has(b.argv(), "-uuid", derived_uuid("win11")));
    CHECK(std::count(b.argv().begin(), b.argv().end(), "-nodefaults") == 1);
    CHECK(std::count(b.argv().begin(), b.argv().end(), "-no-user-config") == 1);

    spec.system.bios.uuid = "0e2d1c3b-4a59-6877-8695-a4b3c2d1e0f9";
    b = test::build(spec);
    CHECK(test::has(b.argv(), "-uuid", "0e2d1c3b-4a59-6877-8695-a4b3c2d1e0f9"));
}
