#pragma once
// Internal to lib/qemu: the state the section translators share while one
// command line is built, and the sections in the order build_command() runs them. Each section
// appends its options to `args`, takes PCI slots from `pci` and reports problems
// to `diags`.
#include <optional>
#include <string>
#include <vector>

#include "qemu/argv.hpp"
#include "qemu/pci.hpp"
#include "qemu/command.hpp"

namespace ezkvm::qemu {

struct CommandContext {
    CommandContext(const CommandInput& input, Diagnostics& diags);

    const CommandInput& input;
    const config::VmSpec& spec;
    Diagnostics& diags;
    PciAllocator pci;
    Args args;
    std::vector<HostPath> host_paths;
    std::vector<std::string> macvtaps;
    std::vector<BridgeTap> bridge_taps;

    bool q35() const { return spec.system.chipset.type == config::Chipset::Q35; }
    // Records a host file or device the VM uses (once, in first-use order).
    // Without `writable`, device nodes are opened read-write and files read-only.
    void uses(const std::string& path, std::optional<bool> writable = {}, HostPath::User user = HostPath::User::Qemu);
    // -device `opts` at `at`; `multifunction`: opts already say multifunction=on.
    void add_pci_device(Opts opts, const PciAddr& at, bool multifunction = false);
};

// Adds the -device of a PCIe root port (q35).
void add_root_port(CommandContext& ctx, const RootPort& port);

// The -accel values, in order (AccelChoice, else from general.accel).
std::vector<std::string> accelerators(const CommandContext& ctx);
// The Hyper-V enlightenments the VM goes without, with those that need them.
std::vector<std::string> hyperv_left_out(const CommandContext& ctx);

// True when the machine needs System Management Mode: secure boot, or firmware that requires it.
bool needs_smm(const CommandContext& ctx);

// RAM from an explicit backend (hugepages, shared memory): -machine names it.
constexpr const char* memory_backend_id = "ram";
bool has_memory_backend(const CommandContext& ctx);

void add_identity(CommandContext& ctx);    // -name, -uuid, -nodefaults
void add_machine(CommandContext& ctx);     // -machine, -accel, -action, -sandbox
void add_control(CommandContext& ctx);     // QMP and monitor sockets
void add_firmware(CommandContext& ctx);    // pflash drives or -bios
void add_cpu(CommandContext& ctx);         // -cpu, -smp
void add_memory(CommandContext& ctx);      // -m, -rtc
void add_kernel(CommandContext& ctx);      // direct kernel boot
void add_gpu(CommandContext& ctx);         // the display adapter (or passed-through GPU functions)
void add_display(CommandContext& ctx);     // -display, SPICE, VNC, looking-glass memory
void add_audio(CommandContext& ctx);
void add_usb(CommandContext& ctx);
void add_input(CommandContext& ctx);       // virtio-input mouse and keyboard
void add_storage(CommandContext& ctx);
void add_network(CommandContext& ctx);
void add_host_pci(CommandContext& ctx);    // host.pci passthrough
void add_tpm(CommandContext& ctx);
void add_applesmc(CommandContext& ctx);
void add_balloon(CommandContext& ctx);
void add_channels(CommandContext& ctx);    // virtio-serial: guest agent, SPICE vdagent
void add_serial(CommandContext& ctx);
void add_extra_args(CommandContext& ctx);

}  // namespace ezkvm::qemu
