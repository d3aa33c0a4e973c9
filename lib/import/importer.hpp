#pragma once
// `ezkvm import proxmox`: a Proxmox VM config (qm.conf(5)) to an ezkvm VM file
// that gives the guest the hardware Proxmox gave it. What the VM file cannot
// express is reported, never dropped silently.
#include <string>
#include <vector>

#include "config/environment.hpp"
#include "import/messages.hpp"
#include "import/volumes.hpp"

namespace ezkvm::import {

struct Request {
    std::string config_path;                // as given; messages name it so
    std::string name;                       // the VM's name; "" for the config's own (or vm<vmid>)
    std::vector<StorageOverride> storages;  // --storage ID=PATH
};

struct Result {
    std::string name;
    std::string yaml;   // the VM file; empty when an error was reported
    Messages messages;  // by the config's lines (and storage.cfg's)
};

// /etc/pve/storage.cfg is read under EZKVM_ROOT when present, and so is the
// host's /sys/bus/pci/devices (the functions of a multi-function hostpci).
Result import_proxmox(const Request& request, const config::Environment& env);

}  // namespace ezkvm::import
