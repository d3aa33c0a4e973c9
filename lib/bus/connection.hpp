#pragma once
// A connection to the system bus or the invoking user's bus (sd-bus).
#include <string_view>

#include <systemd/sd-bus.h>

#include "bus/error.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::bus {

class Connection {
public:
    // Scope::System: the system bus; Scope::User: $DBUS_SESSION_BUS_ADDRESS or
    // $XDG_RUNTIME_DIR/bus. Interactive polkit authorization is allowed (an agent may ask).
    static Result<Connection> open(Scope scope);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    sd_bus* get() const { return bus_; }
    Scope scope() const { return scope_; }

private:
    Connection(sd_bus* bus, Scope scope) : bus_(bus), scope_(scope) {}
    sd_bus* bus_ = nullptr;
    Scope scope_ = Scope::System;
};

}  // namespace ezkvm::bus
