// lib/bus: what works without a bus (UUIDs, error classification, no bus reachable).
#include <catch2/catch.hpp>

#include <cerrno>
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

namespace {

// The Error of a call the peer answered with the D-Bus error `name`, as sd-bus returns it.
Error bus_error(const char* name)
{
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_error_set(&error, name, "refused");
    auto made = bus::make_error("StartUnit x.service", &error, r);
    sd_bus_error_free(&error);
    return made;
}

}  // namespace

TEST_CASE("polkit refusals are told apart from other errors")
{
    CHECK(bus::is_access_denied(bus_error(SD_BUS_ERROR_ACCESS_DENIED)));
    CHECK(bus::is_access_denied(bus_error(SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED)));
    CHECK_FALSE(bus::is_access_denied(bus_error("org.freedesktop.systemd1.NoSuchUnit")));
    // sd-bus maps the generic error to EACCES: it is no refusal.
    CHECK_FALSE(bus::is_access_denied(bus_error(SD_BUS_ERROR_FAILED)));
    CHECK(bus::is_access_denied(bus::make_error("connect", nullptr, -EACCES)));
    CHECK(bus::is_service_unknown(bus_error(SD_BUS_ERROR_SERVICE_UNKNOWN)));
    CHECK(bus::is_service_unknown(bus_error(SD_BUS_ERROR_NAME_HAS_NO_OWNER)));
    CHECK_FALSE(bus::is_service_unknown(bus_error(SD_BUS_ERROR_ACCESS_DENIED)));
    CHECK(bus_error(SD_BUS_ERROR_ACCESS_DENIED).message == "StartUnit x.service: refused");
}

TEST_CASE("no user bus is an error value, not an exception")
{
    setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ezkvm-test-bus", 1);
    auto connection = bus::Connection::open(Scope::User);
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
    REQUIRE_FALSE(connection);
    CHECK(connection.error().message.starts_with("cannot connect to your user bus"));
}
