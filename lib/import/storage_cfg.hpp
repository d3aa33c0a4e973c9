#pragma once
// /etc/pve/storage.cfg: where each Proxmox storage id keeps its volumes.
// Sections are `type: id` lines followed by indented `key value` lines.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "import/messages.hpp"

namespace ezkvm::import {

struct Storage {
    std::string id;
    std::string type;    // dir, lvmthin, lvm, zfspool, nfs, cifs, rbd, iscsi, ...
    std::string path;    // dir, nfs, cifs (nfs/cifs default to /mnt/pve/<id>)
    std::string vgname;  // lvm, lvmthin
    std::string pool;    // zfspool
    int line = 0;        // the section's line in storage.cfg
};

// Syntax errors go to `msgs`, whose lines are then storage.cfg's.
std::optional<std::vector<Storage>> parse_storage_cfg(std::string_view text, Messages& msgs);

}  // namespace ezkvm::import
