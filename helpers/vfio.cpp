// vfio-bind / vfio-release ADDRESS: ExecStart= and ExecStopPost= of
// ezkvm-vfio@ADDRESS.service (see lib/vfio/bind.hpp). The VM files in
// /etc/ezkvm tell which VMs pass the device through, for the IOMMU group rule.
#include "config/parse_internal.hpp"
#include "config/passthrough.hpp"
#include "helpers/helper.hpp"
#include "vfio/bind.hpp"

namespace ezkvm::helper {
namespace {

// Which valid system VM files pass which devices through (a file with errors got
// no unit from the generator, so no running VM comes from it).
vfio::Claims load_claims(const config::Environment& env)
{
    std::vector<vfio::VmDevices> vms;
    for (const auto& vm : valid_system_vms(env)) {
        std::vector<std::string> forced;
        for (const auto& f : config::passthrough_functions(vm.spec))
            if (f.function->force)
                forced.push_back(f.function->host_id);
        vms.push_back({vm.name, config::passthrough_addresses(vm.spec), std::move(forced)});
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
