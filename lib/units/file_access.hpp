#pragma once
// What a sandboxed system service needs opened up beyond its shipped unit
// (DevicePolicy=closed, ProtectSystem=strict, ProtectHome=yes) to use the host
// files and devices of one VM: DeviceAllow=, ReadWritePaths= and, for files in
// home directories, ProtectHome=read-only.
#include <string>
#include <utility>
#include <vector>

#include "base/host_path.hpp"
#include "units/unit_file.hpp"

namespace ezkvm::units {

class FileAccess {
public:
    // Files inside `writable_dirs` (the VM's runtime and state directories)
    // are writable in the shipped unit already.
    explicit FileAccess(std::vector<std::string> writable_dirs) : writable_dirs_(std::move(writable_dirs)) {}

    // A file or device node the service opens; writable files get their
    // directory writable (images are replaced, qcow2 files grow), but in a
    // system directory (is_system_directory) only the file itself.
    void use(const std::string& path, bool writable);

    // A device class from /proc/devices ("char-vfio"): its nodes are not known in advance.
    void use_device_class(const std::string& name);

    // Appends the settings to `section` of `unit`.
    void add_to(UnitFile& unit, std::string_view section) const;

private:
    std::vector<std::string> writable_dirs_;
    std::vector<std::pair<std::string, std::string>> devices_;  // escaped node or class, "r" / "rw"
    std::vector<std::string> read_write_paths_;  // directories, or files in system directories
    bool in_home_ = false;
};

}  // namespace ezkvm::units
