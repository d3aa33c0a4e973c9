#pragma once
// The user and group a VM's files belong to: who qemu, swtpm and passt run as.
#include <sys/types.h>

namespace ezkvm {

struct Owner {
    uid_t uid = 0;
    gid_t gid = 0;
    static Owner current();
    // Whether files this process creates belong to it already: then they need no
    // chown, which a user unit's seccomp filter (~@privileged) refuses even as a no-op.
    bool is_current() const;
};

}  // namespace ezkvm
