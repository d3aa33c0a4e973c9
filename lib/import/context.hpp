#pragma once
// What every mapping step shares: the Proxmox config, the storages, the VM
// file being built, the messages, and the facts earlier steps derived (the
// machine, the Windows version, GPU passthrough) that later ones depend on.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "import/gaps.hpp"
#include "import/messages.hpp"
#include "import/property_string.hpp"
#include "import/qm_config.hpp"
#include "import/vm_file.hpp"
#include "import/volumes.hpp"

namespace ezkvm::import {

struct MachineVersion {
    unsigned major = 0;
    unsigned minor = 0;
    bool latest = true;  // unpinned: whatever the host's qemu has newest
    bool at_least(unsigned maj, unsigned min) const { return latest || major > maj || (major == maj && minor >= min); }
};

struct Context {
    Context(const QmConfig& c, const Volumes& v, Messages& m, OutNode& o, std::string id, std::string sysfs)
        : conf(c), volumes(v), msgs(m), out(o), vmid(std::move(id)), sysfs_pci(std::move(sysfs))
    {
    }

    const QmConfig& conf;
    const Volumes& volumes;
    Messages& msgs;
    OutNode& out;
    std::string vmid;          // from the file name, "108"; "" when not numeric
    std::string sysfs_pci;     // the host's /sys/bus/pci/devices (under EZKVM_ROOT)

    // Derived facts.
    std::string ostype;        // "l26", "win11", ...
    int winversion = 0;        // Proxmox's windows_version(): 0 for non-Windows, 10 for win10, ...
    bool q35 = false;
    MachineVersion machine;
    bool ovmf = false;
    bool kvm = true;           // `kvm: 0` turns KVM off
    bool gpu_passthrough = false;  // a hostpci with x-vga=1
    bool hide_kvm = false;         // cpu hidden=1, or x-vga: "kvm=off"
    bool vga_none = false;
    std::map<std::string, unsigned> boot_order;  // device key ("scsi0", "net0") -> position in `boot`

    std::set<std::string> handled;  // config keys a step has dealt with

    const QmEntry* take(const std::string& key);
    // The entry's value as a property string; an error (and nullopt) when malformed.
    std::optional<Properties> props(const QmEntry& entry, std::string_view default_key);
    // Warns about properties of `entry` that no step knows.
    void unknown_properties(const QmEntry& entry, const Properties& props, const std::vector<std::string_view>& known);
    // The path of a volume; nullopt (with an error, or a warning for a storage
    // type that has no path here) when there is none.
    std::optional<Volume> volume(const QmEntry& entry, const std::string& volid);
    // "scsi0 (line 12)": how comments in the VM file name their source.
    static std::string source(const QmEntry& entry);
};

// The steps, in the order the importer runs them.
void map_machine(Context& ctx);
void map_boot_order(Context& ctx);
void map_passthrough(Context& ctx);
void map_cpu(Context& ctx);
void map_memory(Context& ctx);
void map_firmware(Context& ctx);
void map_disks(Context& ctx);
void map_nics(Context& ctx);
void map_usb(Context& ctx);
void map_display(Context& ctx);
void map_misc(Context& ctx, const std::string& name);
void map_leftovers(Context& ctx);

}  // namespace ezkvm::import
