#pragma once
// Identities derived from the VM name: the same on every start and every
// machine, different for different VMs. Never random.
#include <cstdint>
#include <string>
#include <string_view>

namespace ezkvm::qemu {

// 64-bit FNV-1a.
uint64_t fnv1a64(std::string_view text);

// "52:54:00:xx:xx:xx" (qemu's locally administered prefix) for NIC `index`.
std::string derived_mac(std::string_view vm, unsigned index);

// SMBIOS UUID, RFC 9562 version 8 ("custom") with the 10xx variant, lower case.
std::string derived_uuid(std::string_view vm);

// What every host interface name of `vm` starts with: "ez" + 8 hex digits.
std::string interface_prefix(std::string_view vm);
// Host tap device name for NIC `index`: the prefix + "n" + index (at most 15 characters
// for index < 10000, the kernel's IFNAMSIZ limit).
std::string tap_name(std::string_view vm, unsigned index);
// Host macvtap name for NIC `index`: the prefix + "m" + index.
std::string macvtap_name(std::string_view vm, unsigned index);

// Serial number for a drive that needs one (nvme): "ez" + 16 hex digits, stable per VM and image.
std::string derived_serial(std::string_view vm, std::string_view file);

}  // namespace ezkvm::qemu
