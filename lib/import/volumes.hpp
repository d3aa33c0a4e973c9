#pragma once
// From a Proxmox volume id ("local-lvm:vm-108-disk-0", "local:iso/debian.iso",
// "/dev/sdb") to the path on this host: through storage.cfg, or through
// --storage ID=PATH, which wins (PATH is a directory laid out like a `dir`
// storage, or for volume names without a '/', a prefix such as /dev/vg0).
#include <optional>
#include <string>
#include <vector>

#include "import/storage_cfg.hpp"

namespace ezkvm::import {

struct StorageOverride {
    std::string id;
    std::string path;
};

struct Volume {
    enum class Status { Ok, UnknownStorage, Unsupported, Invalid };
    Status status = Status::Invalid;
    std::string path;     // Ok: the absolute path
    std::string format;   // "raw", "qcow2", "vmdk" where the name or storage tells; else ""
    std::string message;  // otherwise: what is wrong
};

class Volumes {
public:
    // `cfg_name`: how messages name storage.cfg ("" when it was not there).
    Volumes(std::vector<Storage> storages, std::vector<StorageOverride> overrides, std::string cfg_name)
        : storages_(std::move(storages)), overrides_(std::move(overrides)), cfg_name_(std::move(cfg_name))
    {
    }

    Volume resolve(const std::string& volid) const;

private:
    const Storage* find(const std::string& id) const;

    std::vector<Storage> storages_;
    std::vector<StorageOverride> overrides_;
    std::string cfg_name_;
};

// "ID=PATH" from the command line; nullopt with `error` set when malformed.
std::optional<StorageOverride> parse_storage_override(const std::string& text, std::string& error);

}  // namespace ezkvm::import
