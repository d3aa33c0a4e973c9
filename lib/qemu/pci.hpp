#pragma once
// PCI addresses for one plan: a fixed layout keyed by each device's kind and its
// index among devices of that kind, so adding, removing or reordering a device
// never moves a device of another kind (a guest such as Windows ties a NIC's
// settings and a disk controller's driver to where the device sits).
//
// The root bus has 30 free slots on both chipsets (q35: 0x01-0x1e, i440fx:
// 0x02-0x1f); position p is slot first + p. Kinds with several devices fill
// function 0 of their slots first, then function 1, and so on (the device at
// function 0 of such a slot is marked multifunction). man/ezkvm.yaml.5.scd
// documents the table in kLayout.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "qemu/argv.hpp"
#include "base/diagnostic.hpp"

namespace ezkvm::qemu {

struct PciAddr {
    std::string bus;          // "pcie.0", "pci.0" or a root port's id
    unsigned slot = 0;
    int function = -1;        // -1: no function part
    bool on_root_bus = true;  // root bus slots print as 0xNN, root port slots as 0x0

    std::string addr() const;  // "0x03", "0x05.1", "0x0.1"
};

// Adds bus=..,addr=.. to a -device option string.
Opts& place(Opts& opts, const PciAddr& at);

enum class PciKind {
    Display,            // the display adapter, or the root port it sits behind
    Usb,                // the USB controller
    Balloon,
    VirtioSerial,       // guest agent and SPICE vdagent channels
    Audio,
    SharedMemory,       // looking-glass ivshmem
    StorageController,  // SCSI and SATA controllers, in file order
    Disk,               // drives with their own slot (virtio-blk, nvme), in file order
    Input,              // virtio mouse (0) and keyboard (1)
    Nic,                // by index in the network list
    Passthrough,        // root ports (q35) or slots (i440fx) of passed-through functions
};

struct RootPort {
    std::string id;  // "rp1"
    PciAddr at;      // its own slot (and function) on the root bus
    unsigned chassis = 0;
    unsigned port = 0;
};

// Passthrough guest slots: a vm_id's slot s is passthrough slot s; groups without
// vm_id take slots from the second half.
constexpr unsigned kPassthroughSlotsByVmId = 32;
constexpr unsigned kPassthroughSlotsAuto = 32;
constexpr unsigned kI440fxPassthroughSlots = 8;

class PciAllocator {
public:
    explicit PciAllocator(config::Chipset chipset);

    const std::string& root_bus() const { return root_bus_; }

    // The address of device `index` of `kind` (not Passthrough). Past the kind's
    // capacity the address is not usable; report() turns that into an error.
    PciAddr slot_for(PciKind kind, unsigned index);
    // q35: the root port of the display adapter (gpu.pcie), in the display's slot.
    RootPort display_root_port();
    // q35: the root port of passthrough slot n (see kPassthroughSlotsByVmId).
    RootPort passthrough_root_port(unsigned n);
    // i440fx: the root-bus slot of passthrough slot n (< kI440fxPassthroughSlots).
    PciAddr passthrough_slot(unsigned n);
    // The child slot of a root port (slot 0 on that port).
    static PciAddr behind(const RootPort& port, int function = -1);

    // Root-bus (slot, function) pairs taken so far and the argv index of the
    // device there, so the plan can mark function 0 of a shared slot.
    struct Placed {
        size_t arg = 0;
        bool multifunction = false;  // already says multifunction=on
    };
    void record(const PciAddr& at, size_t arg, bool multifunction);
    const std::map<unsigned, std::map<unsigned, Placed>>& placed() const { return placed_; }
    // Passthrough root ports at function > 0 whose function 0 is free: that
    // function needs a port of its own or the guest never looks at the others.
    std::vector<RootPort> missing_port_functions() const;

    // Adds an error for every kind asked for more devices than it has room for.
    void report(Diagnostics& diags) const;

private:
    RootPort root_port(unsigned number, unsigned position, unsigned function) const;

    config::Chipset chipset_;
    std::string root_bus_;
    unsigned first_ = 0;
    std::map<PciKind, unsigned> overflow_;  // kind -> devices requested past its capacity
    std::map<unsigned, std::map<unsigned, Placed>> placed_;  // slot -> function -> device
    std::vector<unsigned> ports_;                            // passthrough port numbers used
};

// Where a kind's devices live, for the man page and the tests.
struct PciKindLayout {
    PciKind kind;
    const char* name;
    unsigned position;  // first root-bus position (slot = first slot + position)
    unsigned slots;
};
const std::vector<PciKindLayout>& pci_layout();

}  // namespace ezkvm::qemu
