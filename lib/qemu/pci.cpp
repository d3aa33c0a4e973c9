#include "qemu/pci.hpp"

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

// q35: slot 0 is the host bridge and 0x1f the ICH9 functions (LPC, AHCI, SMBus).
// i440fx: slot 0 is the host bridge and 0x01 the PIIX functions (ISA, IDE, ACPI).
PciAllocator::PciAllocator(config::Chipset chipset)
    : root_bus_(chipset == config::Chipset::Q35 ? "pcie.0" : "pci.0"),
      chipset_name_(chipset == config::Chipset::Q35 ? "q35" : "i440fx"),
      first_(chipset == config::Chipset::Q35 ? 0x01 : 0x02),
      last_(chipset == config::Chipset::Q35 ? 0x1e : 0x1f)
{
}

PciAddr PciAllocator::next_slot()
{
    const unsigned slot = first_ + requested_;
    ++requested_;
    return PciAddr{root_bus_, slot <= last_ ? slot : 0, -1, true};
}

RootPort PciAllocator::next_root_port()
{
    const unsigned n = ++root_ports_;
    return RootPort{fmt::format("rp{}", n), next_slot(), n, n};
}

PciAddr PciAllocator::behind(const RootPort& port, int function) { return PciAddr{port.id, 0, function, false}; }

void PciAllocator::report(Diagnostics& diags) const
{
    if (requested_ <= capacity())
        return;
    diags.error({}, "",
                fmt::format("too many PCI devices: {} need a slot on the {} root bus {}, which has {} "
                            "(0x{:02x}-0x{:02x})",
                            requested_, chipset_name_, root_bus_, capacity(), first_, last_),
                "put disks on one SCSI or SATA controller, or pass through fewer devices");
}

}  // namespace ezkvm::qemu
