#pragma once
// The host as vfio binding sees it: PCI devices in sysfs, kernel modules.
// Every path is given unprefixed (/sys/bus/pci/...) and read under the
// EZKVM_ROOT root, so tests run the same code against a fixture tree. Writes
// and module loading are virtual: a fixture has no kernel behind its files,
// so a test stands in for it (and sees every write).
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace ezkvm::vfio {

class Host {
public:
    explicit Host(std::string root = {}) : root_(std::move(root)) {}
    virtual ~Host() = default;

    const std::string& root() const { return root_; }
    std::string real(const std::string& path) const { return root_ + path; }

    bool exists(const std::string& path) const;
    // The file's contents without surrounding whitespace; nullopt when unreadable.
    std::optional<std::string> read(const std::string& path) const;
    // The last component of a symlink's target (the driver's name for
    // .../driver, the group number for .../iommu_group); nullopt when no link.
    std::optional<std::string> link_name(const std::string& path) const;
    // Entry names of a directory, sorted; empty when it is missing.
    std::vector<std::string> list(const std::string& dir) const;

    // One write(2) of `value` to a sysfs attribute, as the kernel expects it.
    // Errors are ready to show to the user.
    virtual Result<void> write(const std::string& path, const std::string& value);
    // modprobe MODULE.
    virtual Result<void> load_module(const std::string& module);

private:
    std::string root_;
};

}  // namespace ezkvm::vfio
