#pragma once
// Where ezkvm looks for VM files, templates and site defaults. Every path it
// reads is prefixed with EZKVM_ROOT (tests point it at a fixture root);
// EZKVM_TEMPLATES_DIR replaces the shipped templates directory (running from
// the source tree). Paths here are unprefixed; real() adds the root.
#include <string>
#include <vector>

#include "base/vm_paths.hpp"

namespace ezkvm::config {

struct Environment {
    std::string root;                          // "" = /
    Scope scope = Scope::System;
    std::vector<std::string> config_dirs;      // holding <vm>.yaml
    std::vector<std::string> template_dirs;    // highest precedence first
    std::vector<std::string> defaults_files;   // applied in order, later wins
    std::string shipped_templates;             // real path (never prefixed)

    std::string real(const std::string& path) const { return root.empty() ? path : root + path; }

    static Environment from_process(Scope scope);
};

}  // namespace ezkvm::config
