#pragma once
// The steps of prepare(), one per file. Each returns what it created, nullopt
// when there was nothing to do or it failed (then with an error in `diags`).
#include <optional>

#include "runtime/prepare.hpp"

namespace ezkvm::runtime {

std::optional<Created> create_efivars(const PrepareInput& input, Diagnostics& diags);
std::optional<Created> create_disk_image(const config::Drive& drive, const PrepareInput& input, Diagnostics& diags);
std::optional<Created> create_tpm_state(const PrepareInput& input, Diagnostics& diags);
std::optional<Created> create_looking_glass_shm(const PrepareInput& input, Diagnostics& diags);

// Moves `temp` to `target` unless `target` appeared meanwhile (then `temp` is
// removed and false returned without an error: whoever made it wins).
bool publish_new_file(const std::string& temp, const std::string& target, const std::string& what,
                      Diagnostics& diags, const Pos& pos = {}, const std::string& key = {});

}  // namespace ezkvm::runtime
