#pragma once
// Errors of calls to systemd and its services, as ezkvm::Error values: the
// errno tells a polkit refusal (EACCES) and a service nobody provides
// (EHOSTUNREACH) from the rest, whatever name the bus gave the error.
#include <string_view>

#include <systemd/sd-bus.h>

#include "base/result.hpp"

namespace ezkvm::bus {

// The error of a failed sd-bus call `what` (r < 0): the peer's error message when it sent
// one, else strerror(-r). A D-Bus error name maps to EACCES only for access denied and
// interactive authorization required, to EHOSTUNREACH only for an unknown or ownerless
// service, and never to those otherwise (sd-bus maps org.freedesktop.DBus.Error.Failed to EACCES).
Error make_error(std::string_view what, const sd_bus_error* error, int r);

// polkit or the bus refused the call: access denied, or authentication that
// would need an interactive agent.
bool is_access_denied(const Error& error);

// The name has no owner and cannot be activated (machined not installed...).
bool is_service_unknown(const Error& error);

}  // namespace ezkvm::bus
