// ExecStart= of ezkvm-host-probe.service: makes the host probe's cached answer
// current (probing when it is not) and reloads systemd when the generator made
// the VM units from another answer than that one ($EZKVM_HOST_FINGERPRINT,
// from the generator's drop-in for this unit), so each VM's ExecStart= fits
// this host before the VM starts.
#include <cstdlib>

#include "bus/connection.hpp"
#include "bus/manager.hpp"
#include "helpers/helper.hpp"
#include "hostcaps/cache.hpp"
#include "units/vm_units.hpp"

namespace ezkvm::helper {

int probe_host(Scope scope)
{
    const auto view = hostcaps::current(scope);
    if (!view.note.empty())
        say("{}", view.note);
    if (!view.caps) {
        say("nothing is known about this host: VMs keep qemu's defaults");
    } else {
        const auto& kvm = view.caps->kvm;
        say("qemu {}; {}{} (from {})", view.caps->qemu_version, hostcaps::describe(kvm.status),
            kvm.problem.empty() ? "" : ": " + kvm.problem, view.source);
        if (!kvm.runs_guests())
            say("VMs with accel auto run under TCG here; VMs with accel kvm do not start");
    }
    const char* generated_with = std::getenv(units::host_fingerprint_variable);
    const std::string now = hostcaps::fingerprint(view.caps ? &*view.caps : nullptr);
    if (!generated_with || now == generated_with)
        return 0;
    say("the VM units were generated from another host probe answer ({}, now {}): reloading systemd", generated_with,
        now);
    auto bus = bus::Connection::open(scope);
    if (!bus) {
        say("cannot reach systemd: {}", bus.error().message);
        return 1;
    }
    if (auto reloaded = bus::reload(*bus); !reloaded) {
        say("cannot reload systemd: {}", reloaded.error().message);
        return 1;
    }
    return 0;
}

}  // namespace ezkvm::helper
