#pragma once
// The VM's own directories (runtime and state): mode 0700, owned by the user
// qemu runs as, so other users can neither read the TPM state nor reach the sockets.
// Root makes them for the VM's user through directory fds (base/safe_open.hpp):
// the user owns what is inside and could put a symlink anywhere there.
#include <optional>
#include <string>

#include "base/diagnostic.hpp"
#include "base/fd.hpp"
#include "base/owner.hpp"
#include "base/result.hpp"

namespace ezkvm {

// Creates `path` (and missing parents, mode 0755) or fixes the mode and owner
// of the existing directory, and returns it open. A non-directory or symlink there is an error.
std::optional<Fd> private_dir(const std::string& path, const Owner& owner, Diagnostics& diags);
bool ensure_private_dir(const std::string& path, const Owner& owner, Diagnostics& diags);

// Root's own directory `name` in host_state_dir (base/vm_paths.hpp) under `root`
// (EZKVM_ROOT): made, both private (0700), never through a symlink, and open.
Result<Fd> host_state_subdir(const std::string& root, const std::string& name);

// Gives `path` (a file or directory just created) to `owner`, not following a symlink.
bool give_to(const std::string& path, const Owner& owner, Diagnostics& diags);

}  // namespace ezkvm
