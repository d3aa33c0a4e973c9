// What two VM files may share while the VMs take turns, but not while both run:
// a passed-through device (the second qemu would fail on a device already
// bound), and a MAC (two guests on one address). prepare refuses to start a VM
// while another system VM holding one of them is active, and names that VM.
#include <algorithm>

#include "bus/manager.hpp"
#include "checks/mac_conflicts.hpp"
#include "config/passthrough.hpp"
#include "helpers/helper.hpp"
#include "units/vm_units.hpp"

namespace ezkvm::helper {

std::vector<config::LoadedVm> valid_system_vms(const config::Environment& env)
{
    std::vector<config::LoadedVm> vms;
    for (const auto& file : config::find_vm_files(env)) {
        Diagnostics diags;
        auto vm = config::load_vm_file(env.real(file.path), file.path, env, diags);
        if (!vm || diags.has_errors()) {
            say("skipping {}: it has errors (ezkvm check {} lists them)", file.path, file.name);
            continue;
        }
        vms.push_back(std::move(*vm));
    }
    return vms;
}

namespace {

template <typename T>
bool shares(const std::vector<T>& mine, const T& item)
{
    return std::find(mine.begin(), mine.end(), item) != mine.end();
}

}  // namespace

bool held_resources_free(const config::LoadedVm& vm, const config::Environment& env, Diagnostics& diags)
{
    const auto addresses = config::passthrough_addresses(vm.spec);
    const auto macs = checks::vm_macs(vm.spec);
    if (addresses.empty() && macs.empty())
        return true;
    std::vector<std::pair<std::string, std::vector<std::string>>> sharing;  // VM -> what it shares
    for (const auto& other : valid_system_vms(env)) {
        if (other.name == vm.name)
            continue;
        std::vector<std::string> held;
        for (const auto& address : config::passthrough_addresses(other.spec))
            if (shares(addresses, address))
                held.push_back(address);
        for (const auto& mac : checks::vm_macs(other.spec))
            if (shares(macs, mac))
                held.push_back("MAC " + mac);
        if (!held.empty())
            sharing.emplace_back(other.name, std::move(held));
    }
    if (sharing.empty())
        return true;
    auto bus = bus::Connection::open(Scope::System);
    if (!bus)
        return true;  // no systemd to ask: the vfio unit and qemu still refuse a busy device
    bool free = true;
    for (const auto& [other, held] : sharing) {
        const std::string unit = units::vm_unit_name(other);
        const auto state = bus::unit_state(*bus, unit);
        if (!state || state->active_state == "inactive" || state->active_state == "failed")
            continue;
        for (const auto& what : held)
            diags.error({}, what.starts_with("MAC ") ? "network" : "passthrough",
                        fmt::format("{} is in use by VM {} ({} is {})", what, other, unit, state->active_state),
                        fmt::format("stop it first: ezkvm stop {}", other));
        free = false;
    }
    return free;
}

}  // namespace ezkvm::helper
