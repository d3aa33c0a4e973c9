// lib/bus: what works without a bus (UUIDs, error classification, no bus reachable).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "bus/connection.hpp"
#include "bus/machined.hpp"

using namespace ezkvm;

TEST_CASE("UUIDs for machined")
{
    const auto id = bus::parse_uuid("0123abcd-4567-89ef-8a0B-0c0d0e0f1011");
    REQUIRE(id);
    CHECK((*id)[0] == 0x01);
    CHECK((*id)[3] == 0xcd);
    CHECK((*id)[9] == 0x0b);
    CHECK((*id)[15] == 0x11);
    CHECK_FALSE(bus::parse_uuid(""));
    CHECK_FALSE(bus::parse_uuid("0123abcd-4567-89ef-8a0b-0c0d0e0f101"));
    CHECK_FALSE(bus::parse_uuid("0123abcd-4567-89ef-8a0b-0c0d0e0f10111"));
    CHECK_FALSE(bus::parse_uuid("0123abcd4567-89ef-8a0b-0c0d0e0f1011-"));
    CHECK_FALSE(bus::parse_uuid("0123abcd-4567-89ef-8a0b-0c0d0e0f101g"));
}

TEST_CASE("polkit refusals are told apart from other errors")
{
    CHECK(bus::is_access_denied({"org.freedesktop.DBus.Error.AccessDenied", "", 0}));
    CHECK(bus::is_access_denied({"org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", "", 0}));
    CHECK_FALSE(bus::is_access_denied({"org.freedesktop.systemd1.NoSuchUnit", "", 0}));
    CHECK(bus::is_service_unknown({"org.freedesktop.DBus.Error.ServiceUnknown", "", 0}));
}

TEST_CASE("no user bus is an error value, not an exception")
{
    setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ezkvm-test-bus", 1);
    auto connection = bus::Connection::open(Scope::User);
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
    REQUIRE_FALSE(connection);
    CHECK(connection.error().message.starts_with("cannot connect to your user bus"));
}
