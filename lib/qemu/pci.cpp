#include "qemu/pci.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ezkvm::qemu {

std::string PciAddr::addr() const
{
    std::string text = on_root_bus ? fmt::format("0x{:02x}", slot) : fmt::format("0x{:x}", slot);
    if (function >= 0)
        text += fmt::format(".{}", function);
    return text;
}

Opts& place(Opts& opts, const PciAddr& at) { return opts.set("bus", at.bus).set("addr", at.addr()); }

namespace {

constexpr unsigned kPositions = 30;
constexpr unsigned kFunctions = 8;

// Single devices first, in the order the old sequential allocator gave them on a
// typical VM; the passthrough slots last, so a vm_id never lands on another kind.
const std::vector<PciKindLayout> kLayout = {
    {PciKind::Display, "display adapter (or its root port, gpu.pcie)", 0, 1},
    {PciKind::Usb, "USB controller", 1, 1},
    {PciKind::Balloon, "memory balloon", 2, 1},
    {PciKind::VirtioSerial, "virtio-serial (guest agent, SPICE vdagent)", 3, 1},
    {PciKind::Audio, "sound card", 4, 1},
    {PciKind::SharedMemory, "looking-glass shared memory", 5, 1},
    {PciKind::StorageController, "SCSI and SATA controllers", 6, 4},
    {PciKind::Disk, "virtio-blk and nvme drives", 10, 6},
    {PciKind::Input, "virtio mouse and keyboard", 16, 2},
    {PciKind::Nic, "NICs", 18, 4},
    {PciKind::Passthrough, "passed-through functions", 22, 8},
};

const PciKindLayout& layout_of(PciKind kind)
{
    return *std::find_if(kLayout.begin(), kLayout.end(), [&](const auto& l) { return l.kind == kind; });
}

}  // namespace

const std::vector<PciKindLayout>& pci_layout() { return kLayout; }

// q35: slot 0 is the host bridge and 0x1f the ICH9 functions (LPC, AHCI, SMBus).
// i440fx: slot 0 is the host bridge and 0x01 the PIIX functions (ISA, IDE, ACPI).
PciAllocator::PciAllocator(config::Chipset chipset)
    : chipset_(chipset),
      root_bus_(chipset == config::Chipset::Q35 ? "pcie.0" : "pci.0"),
      first_(chipset == config::Chipset::Q35 ? 0x01 : 0x02)
{
}

PciAddr PciAllocator::slot_for(PciKind kind, unsigned index)
{
    const auto& layout = layout_of(kind);
    const unsigned function = index / layout.slots;
    if (function >= kFunctions) {
        ++overflow_[kind];
        return PciAddr{root_bus_, 0, -1, true};
    }
    const unsigned slot = first_ + layout.position + index % layout.slots;
    return PciAddr{root_bus_, slot, function == 0 ? -1 : static_cast<int>(function), true};
}

RootPort PciAllocator::root_port(unsigned number, unsigned position, unsigned function) const
{
    return RootPort{fmt::format("rp{}", number),
                    PciAddr{root_bus_, first_ + position, function == 0 ? -1 : static_cast<int>(function), true},
                    number + 1, number + 1};
}

RootPort PciAllocator::display_root_port() { return root_port(0, layout_of(PciKind::Display).position, 0); }

RootPort PciAllocator::passthrough_root_port(unsigned n)
{
    if (n >= kPassthroughSlotsByVmId + kPassthroughSlotsAuto) {
        ++overflow_[PciKind::Passthrough];
        return root_port(n + 1, 0, 0);
    }
    ports_.push_back(n);
    return root_port(n + 1, layout_of(PciKind::Passthrough).position + n / kFunctions, n % kFunctions);
}

PciAddr PciAllocator::passthrough_slot(unsigned n)
{
    if (n >= kI440fxPassthroughSlots) {
        ++overflow_[PciKind::Passthrough];
        return PciAddr{root_bus_, 0, -1, true};
    }
    return PciAddr{root_bus_, first_ + layout_of(PciKind::Passthrough).position + n, -1, true};
}

PciAddr PciAllocator::behind(const RootPort& port, int function) { return PciAddr{port.id, 0, function, false}; }

void PciAllocator::record(const PciAddr& at, size_t arg, bool multifunction)
{
    if (at.on_root_bus && at.slot != 0)
        placed_[at.slot][at.function < 0 ? 0u : static_cast<unsigned>(at.function)] = Placed{arg, multifunction};
}

std::vector<RootPort> PciAllocator::missing_port_functions() const
{
    std::vector<unsigned> zeros;
    for (unsigned n : ports_) {
        const unsigned zero = n - n % kFunctions;
        if (std::find(ports_.begin(), ports_.end(), zero) == ports_.end() &&
            std::find(zeros.begin(), zeros.end(), zero) == zeros.end())
            zeros.push_back(zero);
    }
    std::vector<RootPort> missing;
    for (unsigned zero : zeros)
        missing.push_back(root_port(zero + 1, layout_of(PciKind::Passthrough).position + zero / kFunctions, 0));
    return missing;
}

void PciAllocator::report(Diagnostics& diags) const
{
    for (const auto& [kind, extra] : overflow_) {
        const auto& layout = layout_of(kind);
        const unsigned room = kind == PciKind::Passthrough
                                  ? (chipset_ == config::Chipset::Q35 ? kPassthroughSlotsAuto : kI440fxPassthroughSlots)
                                  : layout.slots * kFunctions;
        diags.error({}, "",
                    fmt::format("too many PCI devices: the {} have room for {} on the {} root bus {}", layout.name,
                                room, chipset_ == config::Chipset::Q35 ? "q35" : "i440fx", root_bus_),
                    kind == PciKind::Passthrough ? "pass through fewer devices, or give them vm_id slots"
                                                 : "put disks on one SCSI or SATA controller, or use fewer devices");
    }
}

}  // namespace ezkvm::qemu
