#include "vfio/bind.hpp"

#include <fmt/format.h>

#include "vfio/device.hpp"
#include "vfio/group_rule.hpp"
#include "vfio/host_critical.hpp"
#include "vfio/state.hpp"

namespace ezkvm::vfio {
namespace {

constexpr const char* drivers_probe = "/sys/bus/pci/drivers_probe";
constexpr const char* vfio_module = "vfio-pci";

std::string driver_name(const std::optional<std::string>& driver)
{
    return driver ? *driver : "no driver";
}

Result<void> ensure_vfio_driver(Host& host, Outcome& out)
{
    if (host.exists(driver_dir(vfio_driver)))
        return {};
    if (auto loaded = host.load_module(vfio_module); !loaded)
        return loaded;
    if (!host.exists(driver_dir(vfio_driver)))
        return Error{fmt::format("modprobe {} ran, but the kernel has no {} driver ({} is missing)", vfio_module,
                                 vfio_driver, driver_dir(vfio_driver)),
                     ENODEV};
    out.notes.push_back(fmt::format("loaded the {} module", vfio_module));
    return {};
}

Result<void> unbind_from(Host& host, const std::string& address, const std::string& driver)
{
    return host.write(driver_dir(driver) + "/unbind", address);
}

std::optional<std::string> current_driver(const Host& host, const std::string& address)
{
    return host.link_name(device_dir(address) + "/driver");
}

// Puts one device on vfio-pci; the group has been checked.
Result<void> bind_one(Host& host, const std::string& address, Outcome& out, std::vector<std::string>& changed)
{
    const auto device = read_device(host, address);
    if (!device)
        return Error{fmt::format("PCI device {} disappeared", address), ENODEV};
    if (device->on_vfio()) {
        // Bound before ezkvm looked (vfio-pci.ids=, another of the VM's units):
        // remember that, so release leaves it where it was.
        if (auto done = remember(host, address, {vfio_driver}); !done)
            return done;
        out.notes.push_back(fmt::format("{} is on {} already", address, vfio_driver));
        return {};
    }
    // A driver it is on now is the truth; a device without one may be halfway
    // through an earlier bind that crashed, whose state file knows more.
    if (device->driver)
        if (auto done = forget(host, address); !done)
            return done;
    if (auto done = remember(host, address, {device->driver.value_or("")}); !done)
        return done;
    changed.push_back(address);
    if (auto done = host.write(device_dir(address) + "/driver_override", vfio_driver); !done)
        return done;
    if (device->driver)
        if (auto done = unbind_from(host, address, *device->driver); !done)
            return done;
    if (auto done = host.write(drivers_probe, address); !done)
        return done;
    const auto now = current_driver(host, address);
    if (now != vfio_driver)
        return Error{fmt::format("{} did not bind to {} (it is on {} now); the kernel log (dmesg) says why", address,
                                 vfio_driver, driver_name(now)),
                     EIO};
    out.notes.push_back(fmt::format("{} moved from {} to {}", address, driver_name(device->driver), vfio_driver));
    return {};
}

Result<void> release_one(Host& host, const std::string& address, const Remembered& remembered, Outcome& out)
{
    const auto driver = current_driver(host, address);
    if (remembered.driver == vfio_driver) {
        out.notes.push_back(fmt::format("{} was on {} before ezkvm bound it: left there", address, vfio_driver));
        return {};
    }
    if (driver == vfio_driver)
        if (auto done = unbind_from(host, address, vfio_driver); !done)
            return done;
    if (auto done = host.write(device_dir(address) + "/driver_override", "\n"); !done)
        return done;
    if (!remembered.driver.empty() && host.exists(driver_dir(remembered.driver))) {
        if (!host.write(driver_dir(remembered.driver) + "/bind", address))
            if (auto done = host.write(drivers_probe, address); !done)
                return done;
    } else if (auto done = host.write(drivers_probe, address); !done) {
        return done;
    }
    const auto now = current_driver(host, address);
    if (!remembered.driver.empty() && now != remembered.driver)
        out.warnings.push_back(fmt::format("{} was on {} before; it is on {} now", address, remembered.driver,
                                           driver_name(now)));
    out.notes.push_back(fmt::format("{} moved from {} to {}", address, driver_name(driver), driver_name(now)));
    return {};
}

// After a failed bind: gives back what this bind took, so no device stays
// half-moved (the unit's ExecStopPost= would find nothing left to do).
void roll_back(Host& host, const std::vector<std::string>& changed, Outcome& out)
{
    for (auto it = changed.rbegin(); it != changed.rend(); ++it) {
        const auto remembered = read_state(host, *it);
        Result<void> given = !remembered ? Result<void>(remembered.error())
                             : *remembered ? release_one(host, *it, **remembered, out)
                                           : Result<void>();
        if (given)
            given = forget(host, *it);
        if (!given)
            out.warnings.push_back(fmt::format("giving {} back failed: {}", *it, given.error().message));
    }
}

// False (with out.error) when the host needs `address` (host_critical.hpp) and not
// every VM passing it through says force: yes; with force, a warning.
bool spared_by_host(const Host& host, const std::string& address, const Claims& claims, Outcome& out)
{
    const auto device = read_device(host, address);
    const auto uses = device ? host_critical_uses(host, *device) : std::vector<std::string>{};
    if (uses.empty())
        return true;
    const std::string why = fmt::format("{}", fmt::join(uses, "; "));
    if (claims.forced(address)) {
        out.warnings.push_back(fmt::format("{} is the host's own ({}): passed through anyway, as force: yes says",
                                           address, why));
        return true;
    }
    out.error = fmt::format("{} is the host's own: {}. Taking it would take it from under the host; to pass it "
                            "through anyway, set force: yes on it in the VM file",
                            address, why);
    return false;
}

// Everything bind() checks before it changes anything; the devices to bind, in order.
std::optional<std::vector<std::string>> plan_bind(const Host& host, const std::string& address,
                                                  const Claims& claims, Outcome& out)
{
    const auto device = read_device(host, address);
    if (!device) {
        out.error = fmt::format("the host has no PCI device {} (lspci -D lists the addresses)", address);
        return std::nullopt;
    }
    if (!iommu_active(host)) {
        out.error = no_iommu_message();
        return std::nullopt;
    }
    if (!device->iommu_group) {
        out.error = fmt::format("{} is in no IOMMU group (the IOMMU does not cover it), so it cannot be "
                                "passed through", address);
        return std::nullopt;
    }
    if (device->boot_vga && !device->driver)
        out.warnings.push_back(fmt::format(
            "{} is the host's boot display (boot_vga = 1): the host loses its console on it while the VM runs",
            address));
    if (claims.vms_naming(address).empty())
        out.warnings.push_back(fmt::format("no VM file passes {} through", address));
    auto decision = check_group(host, *device, claims);
    if (decision.refusal) {
        out.error = decision.refusal;
        return std::nullopt;
    }
    auto devices = decision.companions;
    devices.push_back(address);
    for (const auto& each : devices)
        if (!spared_by_host(host, each, claims, out))
            return std::nullopt;
    return devices;
}

// The state lock every bind and release holds; nullopt with out.error set when it failed.
std::optional<StateLock> locked(const Host& host, Outcome& out)
{
    auto lock = lock_state(host);
    if (!lock) {
        out.error = lock.error().message;
        return std::nullopt;
    }
    return std::move(*lock);
}

}  // namespace

Outcome bind(Host& host, const std::string& address, const Claims& claims)
{
    Outcome out;
    const auto lock = locked(host, out);
    if (!lock)
        return out;
    const auto devices = plan_bind(host, address, claims, out);
    if (!devices)
        return out;
    if (auto loaded = ensure_vfio_driver(host, out); !loaded) {
        out.error = loaded.error().message;
        return out;
    }
    std::vector<std::string> changed;
    for (const auto& each : *devices) {
        if (auto bound = bind_one(host, each, out, changed); !bound) {
            out.error = bound.error().message;
            roll_back(host, changed, out);
            return out;
        }
    }
    return out;
}

Outcome release(Host& host, const std::string& address)
{
    Outcome out;
    const auto lock = locked(host, out);
    if (!lock)
        return out;
    const auto remembered = read_state(host, address);
    if (!remembered) {
        out.error = remembered.error().message;
        return out;
    }
    if (!*remembered) {
        out.notes.push_back(fmt::format("ezkvm did not bind {}: nothing to give back", address));
        return out;
    }
    if (!host.exists(device_dir(address))) {
        out.warnings.push_back(fmt::format("PCI device {} is gone", address));
    } else if (auto released = release_one(host, address, **remembered, out); !released) {
        out.error = released.error().message;
        return out;
    }
    if (auto forgotten = forget(host, address); !forgotten)
        out.error = forgotten.error().message;
    return out;
}

}  // namespace ezkvm::vfio
