#pragma once
// systemd-machined (org.freedesktop.machine1): registers a running VM so
// `machinectl list` and `machinectl status` show it. machined follows the
// leader's unit and forgets the machine when that unit stops.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

#include "bus/connection.hpp"

namespace ezkvm::bus {

struct Machine {
    std::string name;                // machined accepts host names: letters, digits, '-', '.'
    std::array<uint8_t, 16> id{};    // the VM's SMBIOS UUID
    pid_t leader = 0;                // qemu
};

// RegisterMachine with class "vm" and service "ezkvm". is_service_unknown()
// tells when machined is not installed.
Result<void> register_machine(Connection& bus, const Machine& machine);

// "0123abcd-..." (36 characters, hex digits and dashes) to 16 bytes; nullopt when malformed.
std::optional<std::array<uint8_t, 16>> parse_uuid(const std::string& text);

}  // namespace ezkvm::bus
