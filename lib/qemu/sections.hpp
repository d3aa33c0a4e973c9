#pragma once
// Internal to lib/qemu: the state the section translators share while one plan
// is built, and the sections in the order build_plan() runs them. Each section
// appends its options to `args`, takes PCI slots from `pci` and reports problems
// to `diags`.
#include <string>
#include <vector>

#include "qemu/argv.hpp"
#include "qemu/pci.hpp"
#include "qemu/plan.hpp"

namespace ezkvm::qemu {

struct PlanContext {
    PlanContext(const PlanInput& input, Diagnostics& diags);

    const PlanInput& input;
    const config::VmSpec& spec;
    Diagnostics& diags;
    PciAllocator pci;
    Args args;
    std::vector<std::string> host_paths;
    std::vector<std::string> macvtaps;

    bool q35() const { return spec.system.chipset.type == config::Chipset::Q35; }
    // Records a host file or device the VM uses (once, in first-use order).
    void uses(const std::string& path);
};

// A PCIe root port on the root bus (q35); returns the port for the device behind it.
RootPort add_root_port(PlanContext& ctx);

// The -accel values, in order (AccelChoice, else from general.accel).
std::vector<std::string> accelerators(const PlanContext& ctx);
// The Hyper-V enlightenments the VM goes without, with those that need them.
std::vector<std::string> hyperv_left_out(const PlanContext& ctx);

// True when the machine needs System Management Mode: secure boot, or firmware that requires it.
bool needs_smm(const PlanContext& ctx);

void add_identity(PlanContext& ctx);    // -name, -uuid, -nodefaults
void add_machine(PlanContext& ctx);     // -machine, -accel, -action, -sandbox
void add_control(PlanContext& ctx);     // QMP and monitor sockets
void add_firmware(PlanContext& ctx);    // pflash drives or -bios
void add_cpu(PlanContext& ctx);         // -cpu, -smp
void add_memory(PlanContext& ctx);      // -m, -rtc
void add_kernel(PlanContext& ctx);      // direct kernel boot
void add_gpu(PlanContext& ctx);         // the display adapter (or passed-through GPU functions)
void add_display(PlanContext& ctx);     // -display, SPICE, VNC, looking-glass memory
void add_audio(PlanContext& ctx);
void add_usb(PlanContext& ctx);
void add_storage(PlanContext& ctx);
void add_network(PlanContext& ctx);
void add_host_pci(PlanContext& ctx);    // host.pci passthrough
void add_tpm(PlanContext& ctx);
void add_applesmc(PlanContext& ctx);
void add_balloon(PlanContext& ctx);
void add_channels(PlanContext& ctx);    // virtio-serial: guest agent, SPICE vdagent
void add_serial(PlanContext& ctx);
void add_extra_args(PlanContext& ctx);

}  // namespace ezkvm::qemu
