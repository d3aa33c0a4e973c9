#include "bus/machined.hpp"

#include <optional>

#include <fmt/format.h>

#include "bus/message.hpp"

namespace ezkvm::bus {

std::optional<std::array<uint8_t, 16>> parse_uuid(const std::string& text)
{
    std::array<uint8_t, 16> id{};
    size_t byte = 0;
    int half = -1;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '-' && (i == 8 || i == 13 || i == 18 || i == 23))
            continue;
        int digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return std::nullopt;
        if (byte >= id.size())
            return std::nullopt;
        if (half < 0) {
            half = digit;
        } else {
            id[byte++] = static_cast<uint8_t>(half << 4 | digit);
            half = -1;
        }
    }
    if (byte != id.size() || text.size() != 36)
        return std::nullopt;
    return id;
}

Result<void> register_machine(Connection& connection, const Machine& machine)
{
    sd_bus* bus = connection.get();
    sd_bus_message* call = nullptr;
    int r = sd_bus_message_new_method_call(bus, &call, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                                           "org.freedesktop.machine1.Manager", "RegisterMachine");
    Message call_owner(call);
    if (r >= 0)
        r = sd_bus_message_append(call, "s", machine.name.c_str());
    if (r >= 0)
        r = sd_bus_message_append_array(call, 'y', machine.id.data(), machine.id.size());
    if (r >= 0)
        r = sd_bus_message_append(call, "ssus", "ezkvm", "vm", static_cast<uint32_t>(machine.leader), "");
    if (r < 0)
        return make_error("cannot build the RegisterMachine call", nullptr, r);
    CallError error;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus, call, 0, error.get(), &reply);
    Message reply_owner(reply);
    if (r < 0)
        return make_error(fmt::format("cannot register {} with systemd-machined", machine.name), error.get(), r);
    return {};
}

}  // namespace ezkvm::bus
