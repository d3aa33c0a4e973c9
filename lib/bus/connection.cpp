#include "bus/connection.hpp"

#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace ezkvm::bus {

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
