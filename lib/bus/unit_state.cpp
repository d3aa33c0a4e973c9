#include "bus/unit_state.hpp"

#include <fmt/format.h>

#include "bus/error.hpp"
#include "bus/message.hpp"
#include "bus/unit_path.hpp"

namespace ezkvm::bus {
namespace {

// Reads the variant under the cursor into the field `name` names, or skips it.
int read_property(sd_bus_message* m, std::string_view name, UnitState& state)
{
    const auto text = [m](std::string& field) {
        const char* value = nullptr;
        const int r = sd_bus_message_read(m, "v", "s", &value);
        if (r >= 0)
            field = value;
        return r;
    };
    const auto number = [m](auto& field, const char* type) { return sd_bus_message_read(m, "v", type, &field); };
    if (name == "LoadState") return text(state.load_state);
    if (name == "ActiveState") return text(state.active_state);
    if (name == "SubState") return text(state.sub_state);
    if (name == "Result") return text(state.result);
    if (name == "Description") return text(state.description);
    if (name == "FragmentPath") return text(state.fragment_path);
    if (name == "MainPID") return number(state.main_pid, "u");
    if (name == "ControlPID") return number(state.control_pid, "u");
    if (name == "NRestarts") return number(state.n_restarts, "u");
    if (name == "ExecMainStartTimestamp") return number(state.exec_main_start_usec, "t");
    if (name == "ActiveEnterTimestamp") return number(state.active_enter_usec, "t");
    return sd_bus_message_skip(m, "v");
}

int read_all_properties(sd_bus_message* m, UnitState& state)
{
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    while (r >= 0) {
        r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r <= 0)
            break;
        const char* name = nullptr;
        r = sd_bus_message_read(m, "s", &name);
        if (r >= 0)
            r = read_property(m, name, state);
        if (r >= 0)
            r = sd_bus_message_exit_container(m);
    }
    return r < 0 ? r : sd_bus_message_exit_container(m);
}

// a(ssssssouso): name, description, load, active, sub, following, path, job id, job type, job path.
Result<std::vector<ListedUnit>> read_listed_units(sd_bus_message* reply)
{
    std::vector<ListedUnit> units;
    int r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
    while (r >= 0) {
        const char *name = nullptr, *description = nullptr, *load = nullptr, *active = nullptr, *sub = nullptr;
        const char *following = nullptr, *path = nullptr, *job_type = nullptr, *job_path = nullptr;
        uint32_t job_id = 0;
        r = sd_bus_message_read(reply, "(ssssssouso)", &name, &description, &load, &active, &sub, &following, &path,
                                &job_id, &job_type, &job_path);
        if (r <= 0)
            break;
        units.push_back({name, load, active, sub});
    }
    if (r < 0)
        return make_error("cannot read the units systemd listed", nullptr, r);
    return units;
}

// An "as" argument.
int append_strings(sd_bus_message* call, const std::vector<std::string>& strings)
{
    int r = sd_bus_message_open_container(call, 'a', "s");
    for (const auto& text : strings)
        if (r >= 0)
            r = sd_bus_message_append(call, "s", text.c_str());
    return r >= 0 ? sd_bus_message_close_container(call) : r;
}

// A Manager method that takes string arrays ("as" each) and answers a unit listing.
Result<std::vector<ListedUnit>> call_listing(Connection& connection, const char* method,
                                             const std::vector<std::vector<std::string>>& arrays)
{
    sd_bus_message* call = nullptr;
    int r = sd_bus_message_new_method_call(connection.get(), &call, systemd_service, manager_path, manager_iface,
                                           method);
    Message call_owner(call);
    for (const auto& strings : arrays)
        if (r >= 0)
            r = append_strings(call, strings);
    if (r < 0)
        return make_error(method, nullptr, r);
    CallError error;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(connection.get(), call, 0, error.get(), &reply);
    Message owner(reply);
    if (r < 0)
        return make_error(method, error.get(), r);
    return read_listed_units(reply);
}

}  // namespace

Result<UnitState> unit_state(Connection& connection, const std::string& unit)
{
    const auto path = unit_path(unit);
    if (!path)
        return Error{fmt::format("'{}' is not a valid unit name", unit), EINVAL};
    CallError error;
    sd_bus_message* reply = nullptr;
    // "": the properties of every interface (Unit and Service) in one reply, as `systemctl show` asks.
    int r = sd_bus_call_method(connection.get(), systemd_service, path->c_str(), "org.freedesktop.DBus.Properties",
                               "GetAll", error.get(), &reply, "s", "");
    Message owner(reply);
    if (r < 0)
        return make_error(fmt::format("cannot read the state of {}", unit), error.get(), r);
    UnitState state;
    r = read_all_properties(reply, state);
    if (r < 0)
        return make_error(fmt::format("cannot read the state of {}", unit), nullptr, r);
    return state;
}

Result<std::vector<ListedUnit>> list_units(Connection& connection, const std::vector<std::string>& patterns)
{
    return call_listing(connection, "ListUnitsByPatterns", {{}, patterns});  // {}: units in any state
}

Result<std::vector<ListedUnit>> list_units_by_names(Connection& connection, const std::vector<std::string>& names)
{
    return call_listing(connection, "ListUnitsByNames", {names});
}

}  // namespace ezkvm::bus
