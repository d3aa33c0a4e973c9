#pragma once
// What systemd knows of units, read in as few calls as it allows: one unit's
// state in one GetAll, the loaded units matching patterns in one
// ListUnitsByPatterns (which loads nothing), and named units in one
// ListUnitsByNames. GetAll and ListUnitsByNames make systemd load an inactive
// unit and unload it afterwards, so each such call saved is a unit load saved.
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "bus/connection.hpp"

namespace ezkvm::bus {

struct UnitState {
    std::string load_state;    // loaded, not-found, masked, ...
    std::string active_state;  // active, activating, deactivating, inactive, failed, ...
    std::string sub_state;     // running, start-post, stop, dead, failed, ...
    std::string result;        // the service's result: success, exit-code, signal, timeout, ...
    std::string description;
    std::string fragment_path;
    uint32_t main_pid = 0;
    uint32_t control_pid = 0;
    uint32_t n_restarts = 0;
    uint64_t exec_main_start_usec = 0;  // CLOCK_REALTIME, 0 when qemu never started
    uint64_t active_enter_usec = 0;     // CLOCK_REALTIME, 0 when never active

    bool loaded() const { return load_state == "loaded"; }
};

// GetAll over every interface of the unit: one call.
Result<UnitState> unit_state(Connection& bus, const std::string& unit);

struct ListedUnit {
    std::string name;
    std::string load_state;
    std::string active_state;
    std::string sub_state;

    bool loaded() const { return load_state == "loaded"; }
};

// ListUnitsByPatterns: the loaded units whose names match one of `patterns`
// ("ezkvm-transient@*.service"), in one call that loads nothing.
Result<std::vector<ListedUnit>> list_units(Connection& bus, const std::vector<std::string>& patterns);

// ListUnitsByNames: the named units, loaded for the call when they are not, in one call.
Result<std::vector<ListedUnit>> list_units_by_names(Connection& bus, const std::vector<std::string>& names);

}  // namespace ezkvm::bus
