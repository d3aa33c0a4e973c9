// vfio-bind / vfio-release ADDRESS: ExecStart= and ExecStopPost= of
// ezkvm-vfio@ADDRESS.service (see lib/vfio/bind.hpp). The VM files in
// /etc/ezkvm tell which VMs pass the device through, for the IOMMU group rule.
#include "bus/manager.hpp"
#include "config/parse_internal.hpp"
#include "config/passthrough.hpp"
#include "helpers/helper.hpp"
#include "units/vm_units.hpp"
#include "vfio/bind.hpp"

namespace ezkvm::helper {
namespace {

// Every valid system VM file's passthrough devices; a file with errors is skipped
// (the generator gave it no unit, so no running VM comes from it).
vfio::Claims load_claims(const config::Environment& env)
{
    std::vector<vfio::VmDevices> vms;
    for (const auto& file : config::find_vm_files(env)) {
        Diagnostics diags;
        const auto vm = config::load_vm_file(env.real(file.path), file.path, env, diags);
        if (!vm || diags.has_errors()) {
            say("skipping {}: it has errors (ezkvm check {} lists them)", file.path, file.name);
            continue;
        }
        vms.push_back({vm->name, config::passthrough_addresses(vm->spec)});
    }
    return vfio::Claims(std::move(vms));
}

int report(const vfio::Outcome& out)
{
    for (const auto& note : out.notes)
        say("{}", note);
    for (const auto& warning : out.warnings)
        say("warning: {}", warning);
    if (out.error) {
        say("error: {}", *out.error);
        return 1;
    }
    return 0;
}

// The unit's instance name, which becomes part of sysfs paths: only a PCI address will do.
std::optional<std::string> address_of(const Invocation& inv)
{
    auto address = config::detail::normalise_pci_address(inv.vm);
    if (!address)
        say("error: '{}' is not a PCI address such as 0000:03:00.0", inv.vm);
    return address;
}

}  // namespace

bool passthrough_devices_free(const config::LoadedVm& vm, const config::Environment& env, Diagnostics& diags)
{
    const auto addresses = config::passthrough_addresses(vm.spec);
    if (addresses.empty())
        return true;
    auto bus = bus::Connection::open(Scope::System);
    if (!bus)
        return true;  // no systemd to ask: the vfio unit and qemu still refuse a busy device
    const auto claims = load_claims(env);
    bool free = true;
    for (const auto& address : addresses)
        for (const auto& other : claims.vms_naming(address)) {
            if (other == vm.name)
                continue;
            const std::string unit = units::vm_unit_name(other);
            const auto state = bus::unit_state(*bus, unit);
            if (!state || state->active_state == "inactive" || state->active_state == "failed")
                continue;
            diags.error({}, "passthrough", fmt::format("{} is in use by VM {} ({} is {})", address, other, unit,
                                                       state->active_state),
                        fmt::format("stop it first: ezkvm stop {}", other));
            free = false;
        }
    return free;
}

int vfio_bind(const Invocation& inv)
{
    const auto address = address_of(inv);
    if (!address)
        return 2;
    const auto env = config::Environment::from_process(Scope::System);
    vfio::Host host(env.root);
    return report(vfio::bind(host, *address, load_claims(env)));
}

int vfio_release(const Invocation& inv)
{
    const auto address = address_of(inv);
    if (!address)
        return 2;
    vfio::Host host(config::Environment::from_process(Scope::System).root);
    return report(vfio::release(host, *address));
}

}  // namespace ezkvm::helper
