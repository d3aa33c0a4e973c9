#pragma once
// The VM's own directories (runtime and state): mode 0700, owned by the user
// qemu runs as, so other users can neither read the TPM state nor reach the sockets.
#include <sys/types.h>

#include <string>

#include "base/diagnostic.hpp"

namespace ezkvm {

struct Owner {
    uid_t uid = 0;
    gid_t gid = 0;
    static Owner current();
    // Whether files this process creates belong to it already: then they need no
    // chown, which a user unit's seccomp filter (~@privileged) refuses even as a no-op.
    bool is_current() const;
};

// Creates `path` (and missing parents, mode 0755) or fixes the mode and owner
// of the existing directory. A non-directory or symlink there is an error.
bool ensure_private_dir(const std::string& path, const Owner& owner, Diagnostics& diags);

// Gives `path` (a file or directory just created) to `owner`.
bool give_to(const std::string& path, const Owner& owner, Diagnostics& diags);

}  // namespace ezkvm
