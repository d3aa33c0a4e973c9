#pragma once
// The qm config format (/etc/pve/qemu-server/<vmid>.conf, qm.conf(5)):
// `key: value` lines, `#` lines holding the description, then `[name]`
// sections for snapshots, `[PENDING]` and `[special:cloudinit]`. Only the
// main section describes the VM as it runs; the rest is reported and skipped.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "import/messages.hpp"

namespace ezkvm::import {

struct QmEntry {
    std::string key;    // "scsi0", "net1", "cpu"
    std::string value;  // trimmed
    int line = 0;
};

struct QmConfig {
    std::vector<QmEntry> entries;          // the main section, in file order
    std::vector<std::string> description;  // the `#` lines, decoded, in order
    int description_line = 0;              // the first of them

    const QmEntry* find(std::string_view key) const;
    // The entries "<prefix><digits>" (net0, scsi12, ...) sorted by their number.
    std::vector<const QmEntry*> numbered(std::string_view prefix) const;
};

// Largest file read, far above any real VM config.
inline constexpr size_t max_qm_config_bytes = 1 << 20;

// Syntax errors (a line that is no `key: value`, a key given twice, a line
// with control characters) go to `msgs` as errors and the rest is read on, so
// that every problem is reported at once; nullopt only for a file that is too
// large or not UTF-8. Skipped sections are notes.
std::optional<QmConfig> parse_qm_config(std::string_view text, Messages& msgs);

// "%3A" -> ":" (Proxmox percent-encodes the description and some values).
std::string percent_decode(std::string_view text);

}  // namespace ezkvm::import
