#pragma once
// `ezkvm pin`: writes system.chipset.version into a VM file's text without
// touching anything else the user wrote (comments, order, flow or block style).
// The edit is one insertion (or, for `chipset: q35`, one replaced scalar) at a
// place the loader's positions name; whatever it cannot place for sure it
// refuses, and the result is read back before anyone writes it.
#include <string>

#include "base/result.hpp"

namespace ezkvm::config {

// The text with system.chipset.version set to `version`; an error when the file
// already has one, or when its layout leaves the place uncertain.
Result<std::string> pin_machine_version(const std::string& text, const std::string& version);

}  // namespace ezkvm::config
