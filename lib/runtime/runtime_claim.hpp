#pragma once
// One running instance per VM: the runtime directory is created and locked
// (flock) for as long as this process runs the VM, and a VM whose QMP socket
// answers (run by systemd, say) is refused as well. Whoever holds the claim
// removes the runtime files when the VM has stopped.
#include <optional>
#include <string>

#include "base/fd.hpp"
#include "base/private_dir.hpp"
#include "base/diagnostic.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::runtime {

class RuntimeClaim {
public:
    static std::optional<RuntimeClaim> acquire(const std::string& vm_name, const VmPaths& paths, const Owner& owner,
                                               Diagnostics& diags);

    // Removes the sockets, console log and pid file of the runtime directory,
    // and the directory if it is then empty.
    void remove_runtime_files() const;

private:
    RuntimeClaim(Fd lock, VmPaths paths) : lock_(std::move(lock)), paths_(std::move(paths)) {}

    Fd lock_;
    VmPaths paths_;
};

}  // namespace ezkvm::runtime
