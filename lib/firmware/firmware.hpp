#pragma once
// Firmware chosen from QEMU's firmware descriptors (docs/interop/firmware.json):
// /etc/qemu/firmware overrides /usr/share/qemu/firmware file by file, lower
// file names have priority. All paths read are prefixed with the root.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "base/diagnostic.hpp"

namespace ezkvm::firmware {

struct Firmware {
    config::FirmwareType type = config::FirmwareType::Ovmf;
    std::string descriptor;        // the descriptor file that was chosen; "" for qemu's built-in SeaBIOS
    std::string code;              // executable image (absolute host path); "" = qemu's default BIOS
    std::string code_format = "raw";
    std::string vars_template;     // OVMF nvram template; "" when none
    std::string vars_format = "raw";
    uint64_t vars_size = 0;        // size of the vars template in bytes (0 when unknown)
    bool secure_boot = false;      // secure boot enabled with keys enrolled
    bool requires_smm = false;
};

struct Sources {
    std::string root;                      // EZKVM_ROOT ("" = /)
    std::vector<std::string> directories;  // highest precedence first, e.g. {"/etc/qemu/firmware", "/usr/share/qemu/firmware"}
};

// Default search directories for system VMs, and for user VMs (adds $XDG_CONFIG_HOME/qemu/firmware first).
Sources system_sources(const std::string& root);
Sources user_sources(const std::string& root, const std::string& xdg_config_home);

// The machine type string qemu will get ("pc-q35-8.1", "q35", "pc-i440fx-7.2", "pc").
std::string machine_type(const config::Chip& chip);

// Picks the firmware for `spec` (bios type, secure_boot, chipset). Problems
// (no matching descriptor, unreadable files) are added to `diags` and give nullopt.
// `pos`/`path` locate system.bios in messages.
std::optional<Firmware> select(const config::VmSpec& spec, const Sources& sources, Diagnostics& diags,
                               const Pos& pos);

}  // namespace ezkvm::firmware
