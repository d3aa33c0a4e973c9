#pragma once
// The OS template an imported file names, and what it may then leave out:
// a value is left to the template (and site defaults) only where they give
// exactly the value Proxmox gave.
#include <optional>
#include <string>

#include "config/environment.hpp"
#include "config/node.hpp"
#include "import/vm_file.hpp"

namespace ezkvm::import {

// windows-11, windows-10, linux or generic.
std::string template_for_ostype(const std::string& ostype);

// What `general: { template: NAME }` resolves to on this host (the template
// chain and site defaults); nullopt when it does not load.
std::optional<config::Node> template_values(const std::string& name, const config::Environment& env);

// Names the template in `out`, drops the values it gives as they are, and
// writes the neutral value of hardware keys it sets that Proxmox's VM lacks
// (a template TPM for a VM without one).
void apply_template(OutNode& out, const std::string& name, const config::Node& values);

// Loads `text` as ezkvm loads a VM file named `name`.yaml; its problems go to `diags`.
void load_back(const std::string& text, const std::string& name, const config::Environment& env,
               Diagnostics& diags);

}  // namespace ezkvm::import
