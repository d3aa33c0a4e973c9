#include "config/keys.hpp"

#include <stdexcept>

namespace ezkvm::config {
namespace {

const std::vector<std::string> drive_keys{"type",       "file",   "format",   "discard", "cache",  "detect_zeroes",
                                          "boot_index", "serial", "readonly", "ssd",     "create", "size"};
const std::vector<std::string> pci_function_keys{"host_id", "vm_id", "multi_function", "x_vga", "romfile"};

// "storage[2].drives[0]" -> "storage[].drives[]"
std::string pattern_of(std::string_view path)
{
    std::string out;
    bool in_index = false;
    for (char c : path) {
        if (c == '[') {
            in_index = true;
            out += "[]";
        } else if (c == ']') {
            in_index = false;
        } else if (!in_index) {
            out += c;
        }
    }
    return out;
}

}  // namespace

const std::vector<KeySection>& key_table()
{
    static const std::vector<KeySection> table{
        {"", "", {"general", "system", "devices", "spice", "vnc", "gpu", "display", "audio", "usb", "host", "storage",
                  "network", "serial", "extra_args"}},
        {"general", "", {"name", "description", "template", "agent", "monitor", "autostart", "user", "accel",
                         "stop_timeout"}},
        {"system", "", {"chipset", "bios", "cpu", "memory", "tpm", "applesmc", "kernel", "rtc", "hyperv"}},
        {"system.chipset", "", {"type", "version"}},
        {"system.bios", "", {"type", "uuid", "file", "secure_boot"}},
        {"system.cpu", "", {"model", "sockets", "cores", "threads", "flags"}},
        {"system.memory", "", {"max", "balloon"}},
        {"system.tpm", "", {"type", "version", "disk", "socket"}},
        {"system.applesmc", "", {"osk"}},
        {"system.kernel", "", {"image", "initrd", "cmdline"}},
        {"devices", "", {"disk", "cdrom", "scsi_controller", "nic"}},
        {"gpu", "", {"type", "gl", "pcie", "pci"}},
        {"gpu.pci[]", "", pci_function_keys},
        {"display", "", {"type", "gl", "device", "input", "window"}},
        {"display.device", "", {"path", "size"}},
        {"display.input", "", {"grab_keyboard", "escape_key"}},
        {"display.window", "", {"size", "full_screen"}},
        {"spice", "", {"addr", "port", "path", "gl", "render_node", "password_file", "password_credential"}},
        {"vnc", "", {"addr", "port", "path", "password_file", "password_credential"}},
        {"audio", "", {"device", "backend"}},
        {"usb", "", {"controller", "tablet"}},
        {"host", "", {"usb", "pci"}},
        {"host.usb[]", "", {"vm_port", "host_bus", "host_port", "id"}},
        {"host.pci[]", "", pci_function_keys},
        {"storage[]", "", drive_keys},  // a drive of its own
        {"storage[]", "group", {"controller", "drives"}},
        {"storage[].drives[]", "", drive_keys},
        {"network[]", "", {"type", "bridge", "driver", "mac", "forward", "ifname", "parent"}},
    };
    return table;
}

const std::vector<std::string>& keys_of(std::string_view path, std::string_view form)
{
    const std::string pattern = pattern_of(path);
    for (const auto& section : key_table())
        if (section.path == pattern && section.form == form)
            return section.keys;
    throw std::logic_error("no key table for '" + pattern + "'");
}

}  // namespace ezkvm::config
