#pragma once
// Unit names derived from paths, as systemd derives them (systemd.unit(5),
// "String Escaping for Inclusion in Unit Names"; `systemd-escape --path`).
#include <optional>
#include <string>
#include <string_view>

#include "base/host_path.hpp"

namespace ezkvm::units {

// The file name of every drop-in ezkvm generates (<unit>.d/50-ezkvm.conf).
inline constexpr const char* generated_dropin = "50-ezkvm.conf";

// systemd's path escaping of an absolute path: "/dev/vm1/a-b" -> "dev-vm1-a\x2db", "/" -> "-".
std::string escape_path(std::string_view path);

// "dev-vm1-a\x2db.device" for a device node path; nullopt when the name would be
// too long to be a unit name (systemd then has no unit for the device either).
std::optional<std::string> device_unit(std::string_view device_path);

// "sys-subsystem-net-devices-<interface>.device", the unit systemd keeps for a network interface.
std::optional<std::string> net_device_unit(std::string_view interface_name);

}  // namespace ezkvm::units
