#pragma once
// What the per-VM unit files need to know about the installation rather than
// the VM: where the shipped units live and which binaries they run.
#include <string>

#include "base/vm_paths.hpp"

namespace ezkvm::units {

struct UnitSettings {
    Scope scope = Scope::System;
    std::string unit_dir;                        // holds ezkvm@.service: target of autostart links
    std::string swtpm_binary = "/usr/bin/swtpm";
    std::string passt_binary = "/usr/bin/passt";
    std::string helper_binary = "/usr/libexec/ezkvm/ezkvm-helper";
};

// The settings of this build (its configured system or user unit directory).
UnitSettings installed_settings(Scope scope);

// The user whose qemu runs the VM `vm`: general.user or the VM's own (dynamic)
// user for a system VM, the invoking user for a user VM.
std::string qemu_user_name(const std::string& vm, const std::string& general_user, Scope scope);

}  // namespace ezkvm::units
