#pragma once
// PCI addresses for one plan. Every device gets an explicit bus and slot so the
// guest sees the same topology on every start, and nothing can collide.
#include <string>

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

struct RootPort {
    std::string id;  // "rp1"
    PciAddr at;      // its own slot on the root bus
    unsigned chassis = 0;
    unsigned port = 0;
};

class PciAllocator {
public:
    explicit PciAllocator(config::Chipset chipset);

    const std::string& root_bus() const { return root_bus_; }
    unsigned capacity() const { return last_ - first_ + 1; }
    unsigned requested() const { return requested_; }

    // The next free slot on the root bus. Past the last slot the address is not
    // usable; report() then turns the overflow into an error.
    PciAddr next_slot();
    // A PCIe root port in its own root-bus slot, with unique chassis/port numbers.
    RootPort next_root_port();
    // The child slot of a root port (slot 0 on that port).
    static PciAddr behind(const RootPort& port, int function = -1);

    // Adds an error when more slots were requested than the root bus has.
    void report(Diagnostics& diags) const;

private:
    std::string root_bus_;
    std::string chipset_name_;
    unsigned first_ = 0;
    unsigned last_ = 0;
    unsigned requested_ = 0;
    unsigned root_ports_ = 0;
};

}  // namespace ezkvm::qemu
