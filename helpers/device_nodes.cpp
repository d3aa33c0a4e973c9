#include <algorithm>
#include <filesystem>

#include "config/passthrough.hpp"
#include "helpers/helper.hpp"
#include "planner/planner.hpp"
#include "units/file_access.hpp"
#include "units/unit_names.hpp"

namespace ezkvm::helper {

// The device nodes the VM's user gets for this run (USB ones are found by
// runtime::grant_usb_access): /dev/kvm, /dev/vhost-net when its NICs use it,
// the block devices its disks, UEFI variables and TPM state are on, its VFIO
// group nodes and kvmfr device.
std::vector<std::string> vm_device_nodes(const config::VmSpec& spec, const qemu::Command& command, const std::string& root)
{
    std::vector<std::string> nodes;
    auto add = [&nodes](const std::string& path) {
        const std::string node = normalize_path(path);
        if (!path.empty() && is_device_path(node) && std::find(nodes.begin(), nodes.end(), node) == nodes.end())
            nodes.push_back(node);
    };
    if (spec.general.accel != config::Accel::Tcg)
        add("/dev/kvm");
    // Whether a NIC uses vhost-net depends on the host too: the command knows.
    for (const auto& used : command.host_paths)
        if (used.path == "/dev/vhost-net")
            add(used.path);
    for (const auto& device : planner::block_devices(spec))
        add(device);
    for (const auto& address : config::passthrough_addresses(spec)) {
        std::error_code ec;
        const auto group = std::filesystem::read_symlink(root + "/sys/bus/pci/devices/" + address + "/iommu_group", ec);
        if (!ec)
            add("/dev/vfio/" + group.filename().string());
    }
    if (spec.display.type == config::DisplayType::LookingGlass && spec.display.looking_glass.path.starts_with("/dev/kvmfr"))
        add(spec.display.looking_glass.path);
    return nodes;
}

}  // namespace ezkvm::helper
