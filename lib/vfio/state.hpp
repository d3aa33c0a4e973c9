#pragma once
// What ezkvm remembers about a device it bound to vfio-pci: the driver it had
// before, in /run/ezkvm/_host/vfio/<address>.json (root's, under EZKVM_ROOT). The
// file is written before the first change to the device and removed once the
// device is back, so a release after a crash (of qemu or of ezkvm itself)
// still knows where the device belongs. /run is empty after a reboot, as are
// the bindings.
#include <optional>
#include <string>

#include "base/fd.hpp"
#include "base/vm_paths.hpp"
#include "vfio/host.hpp"

namespace ezkvm::vfio {

inline constexpr const char* state_dir = "/run/ezkvm/_host/vfio";
// Where earlier releases kept it: the runtime directory a VM named `vfio` would
// have had too. Read (never written) while devices bound before an upgrade
// are released, and only when it is root's alone.
inline constexpr const char* legacy_state_dir = "/run/ezkvm/vfio";

struct Remembered {
    std::string driver;  // "" when the device had no driver
};

std::string state_file(const std::string& address);

// nullopt when nothing is remembered; an error when the file is damaged.
Result<std::optional<Remembered>> read_state(const Host& host, const std::string& address);
// Writes the state file unless one exists already (an earlier bind's knowledge wins).
Result<void> remember(const Host& host, const std::string& address, const Remembered& state);
Result<void> forget(const Host& host, const std::string& address);

// Held while a device is bound or released: the units of one VM's devices run
// at the same time and bind each other's group companions.
struct StateLock {
    Fd fd;
};
Result<StateLock> lock_state(const Host& host);

}  // namespace ezkvm::vfio
