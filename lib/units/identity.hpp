#pragma once
// Who a system VM's processes run as. A VM file without general.user gets an
// identity of its own: a systemd dynamic user named after the VM, which every
// unit of that VM names (qemu's ezkvm@, ezkvm-swtpm@, ezkvm-passt@), so they
// share one uid while any of them runs, and no other VM has it. A VM file that
// names general.user runs as that static user (VMs naming the same one share it).
#include <string>
#include <string_view>

#include "base/vm_paths.hpp"
#include "units/unit_file.hpp"

namespace ezkvm::units {

// The longest user name systemd accepts everywhere (utmp's limit).
inline constexpr size_t max_user_name = 31;

// "ezkvm-<vm>"; a VM name longer than fits, or with a '.', gets
// "ezkvm-<first 16 characters, '.' as '_'>-<8 hex digits of a hash of the name>".
std::string vm_user_name(std::string_view vm);

struct VmIdentity {
    std::string user;
    bool dynamic = false;  // DynamicUser=: the uid is systemd's while a unit of the VM runs
};

// A system VM's identity; `general_user` is the file's general.user ("" when unset).
VmIdentity vm_identity(std::string_view vm, const std::string& general_user);

// What every system unit running a process of the VM adds to [Service]:
// User= and, for a VM's own identity, DynamicUser=yes.
void add_identity(UnitFile& unit, const VmIdentity& identity);

}  // namespace ezkvm::units
