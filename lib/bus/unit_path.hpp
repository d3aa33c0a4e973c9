#pragma once
// systemd's names on the bus, used inside lib/bus: the manager and a unit's object path.
#include <cstdlib>
#include <optional>
#include <string>

#include <systemd/sd-bus.h>

namespace ezkvm::bus {

inline constexpr const char* systemd_service = "org.freedesktop.systemd1";
inline constexpr const char* manager_path = "/org/freedesktop/systemd1";
inline constexpr const char* manager_iface = "org.freedesktop.systemd1.Manager";
inline constexpr const char* unit_iface = "org.freedesktop.systemd1.Unit";
inline constexpr const char* service_iface = "org.freedesktop.systemd1.Service";

// The unit's object path; systemd loads the unit when a call addresses it. nullopt for names sd-bus cannot encode.
inline std::optional<std::string> unit_path(const std::string& unit)
{
    char* path = nullptr;
    if (sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit.c_str(), &path) < 0)
        return std::nullopt;
    std::string out(path);
    std::free(path);
    return out;
}

}  // namespace ezkvm::bus
