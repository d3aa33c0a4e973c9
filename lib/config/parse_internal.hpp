#pragma once
// Internal to lib/config: one parser per group of VM file sections, the value
// checks they share and small helpers around MapReader. parse_spec() (parse.cpp)
// calls the section parsers in dependency order.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/reader.hpp"
#include "config/spec.hpp"

namespace ezkvm::config::detail {

// ---- value checks (validate_ids.cpp): normalised form or nullopt ----

// "BC-24-11-3A-21-B7" -> "bc:24:11:3a:21:b7"
std::optional<std::string> normalise_mac(std::string_view text);
bool mac_is_multicast(const std::string& mac);  // takes the normalised form
bool mac_is_zero(const std::string& mac);
// "03:00.0" -> "0000:03:00.0"
std::optional<std::string> normalise_pci_address(std::string_view text);
// "1f.3" -> {0x1f, 3}
std::optional<std::pair<unsigned, unsigned>> parse_vm_pci_id(std::string_view text);
std::optional<std::string> normalise_uuid(std::string_view text);
// "046D:C52B" -> "046d:c52b"
std::optional<std::string> normalise_usb_id(std::string_view text);
// "046d": one half of a USB id
bool valid_usb_id_half(std::string_view text);
// "1", "2.2": a USB port path
bool valid_usb_port(std::string_view text);

// ---- name checks (validate_names.cpp) ----

bool valid_interface_name(std::string_view text);
bool valid_user_name(std::string_view text);
bool valid_template_name(std::string_view text);
bool valid_credential_name(std::string_view text);
bool valid_cpu_model(std::string_view text);
bool valid_cpu_flag(std::string_view text);
bool valid_machine_version(std::string_view text);
bool valid_drive_serial(std::string_view text);
bool valid_key_name(std::string_view text);       // KEY_F12
bool valid_window_size(std::string_view text);    // 1707x1067
bool valid_shared_memory_path(std::string_view text);  // /dev/kvmfr0, /dev/shm/<name>
bool valid_ipv4(std::string_view text);
bool valid_listen_address(std::string_view text);  // IPv4, IPv6 or host name
bool is_loopback(std::string_view addr);

// ---- MapReader helpers (parse_helpers.cpp) ----

template <class T>
void assign(T& field, const std::optional<T>& value)
{
    if (value)
        field = *value;
}

// The string at `key` when `valid` accepts it; otherwise the error
// "expected <what>, got '<value>'".
std::optional<std::string> checked(const MapReader& r, const std::string& key,
                                   bool (*valid)(std::string_view), std::string_view what,
                                   std::string hint = {});
// Same, with a normaliser that also validates.
std::optional<std::string> normalised(const MapReader& r, const std::string& key,
                                      std::optional<std::string> (*normalise)(std::string_view),
                                      std::string_view what);
// A reader for one item of a list; an empty item is reported (MapReader
// treats a null node as absent, which for an item would hide the mistake).
MapReader item_reader(const Node* item, const std::string& path, Diagnostics& diags);
// "network" + 2 -> "network[2]", relative to the reader's path.
std::string item_path(const MapReader& parent, const std::string& key, size_t index);

// ---- section parsers ----

// Host PCI addresses and guest slot.function pairs already given, with the
// key path that gave them: gpu.pci and host.pci share one.
struct PciSeen {
    std::map<std::string, std::string> host_ids;
    std::map<std::pair<unsigned, unsigned>, std::string> vm_ids;
};

General parse_general(const MapReader& root, const std::string& vm_name);
System parse_system(const MapReader& root);
DeviceDefaults parse_devices(const MapReader& root);
Spice parse_spice(const MapReader& root);
Vnc parse_vnc(const MapReader& root);
Gpu parse_gpu(const MapReader& root, PciSeen& seen);
Display parse_display(const MapReader& root);
Audio parse_audio(const MapReader& root, bool spice_enabled);
Usb parse_usb(const MapReader& root);
Input parse_input(const MapReader& root);
Host parse_host(const MapReader& root, const Usb& usb, PciSeen& seen);
std::vector<PciFunction> parse_pci_functions(const MapReader& parent, const std::string& key, PciSeen& seen);
std::vector<StorageGroup> parse_storage(const MapReader& root, const DeviceDefaults& devices, Chipset chipset);
// NICs share the drives' boot_index numbering.
std::vector<Nic> parse_network(const MapReader& root, const DeviceDefaults& devices,
                               const std::vector<StorageGroup>& storage);

}  // namespace ezkvm::config::detail
