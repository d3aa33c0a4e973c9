#include "bus/connection.hpp"

#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace ezkvm::bus {

bool is_access_denied(const Error& error)
{
    return error.name == SD_BUS_ERROR_ACCESS_DENIED || error.name == SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED ||
           (error.name.empty() && (error.errno_value == EACCES || error.errno_value == EPERM));
}

bool is_service_unknown(const Error& error)
{
    return error.name == SD_BUS_ERROR_SERVICE_UNKNOWN || error.name == SD_BUS_ERROR_NAME_HAS_NO_OWNER;
}

Error make_error(std::string_view what, const sd_bus_error* error, int r)
{
    const int errno_value = r < 0 ? -r : r;
    if (error && sd_bus_error_is_set(error))
        return {error->name, fmt::format("{}: {}", what, error->message ? error->message : error->name), errno_value};
    return {"", fmt::format("{}: {}", what, std::strerror(errno_value)), errno_value};
}

Result<Connection> Connection::open(Scope scope)
{
    sd_bus* bus = nullptr;
    const int r = scope == Scope::System ? sd_bus_open_system(&bus) : sd_bus_open_user(&bus);
    if (r < 0)
        return make_error(scope == Scope::System ? "cannot connect to the system bus"
                                                 : "cannot connect to your user bus (is your user manager running?)",
                          nullptr, r);
    sd_bus_set_allow_interactive_authorization(bus, 1);
    return Connection(bus, scope);
}

Connection::Connection(Connection&& other) noexcept
    : bus_(std::exchange(other.bus_, nullptr)), scope_(other.scope_)
{
}

Connection& Connection::operator=(Connection&& other) noexcept
{
    if (this != &other) {
        sd_bus_flush_close_unref(bus_);
        bus_ = std::exchange(other.bus_, nullptr);
        scope_ = other.scope_;
    }
    return *this;
}

Connection::~Connection()
{
    sd_bus_flush_close_unref(bus_);
}

}  // namespace ezkvm::bus
