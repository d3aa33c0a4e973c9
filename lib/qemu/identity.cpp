#include "qemu/identity.hpp"

#include <array>

#include <fmt/format.h>

#include "qemu/sections.hpp"

namespace ezkvm::qemu {
namespace {

uint32_t fold32(uint64_t h) { return static_cast<uint32_t>(h ^ (h >> 32)); }

}  // namespace

uint64_t fnv1a64(std::string_view text)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::string derived_mac(std::string_view vm, unsigned index)
{
    const uint32_t h = fold32(fnv1a64(fmt::format("{}/{}", vm, index)));
    return fmt::format("52:54:00:{:02x}:{:02x}:{:02x}", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

std::string derived_uuid(std::string_view vm)
{
    std::array<uint8_t, 16> b{};
    // Two hashes of strings that differ from their first byte on, so the halves are independent.
    const uint64_t halves[2] = {fnv1a64(fmt::format("uuid/{}", vm)), fnv1a64(fmt::format("{}/uuid", vm))};
    for (size_t i = 0; i < 16; ++i)
        b[i] = static_cast<uint8_t>(halves[i / 8] >> (8 * (7 - i % 8)));
    b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x80);  // version 8
    b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx
    return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
                       "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                       b[14], b[15]);
}

std::string interface_prefix(std::string_view vm)
{
    return fmt::format("ez{:08x}", fold32(fnv1a64(vm)));
}

std::string tap_name(std::string_view vm, unsigned index)
{
    return fmt::format("{}n{}", interface_prefix(vm), index);
}

std::string macvtap_name(std::string_view vm, unsigned index)
{
    return fmt::format("{}m{}", interface_prefix(vm), index);
}

std::string derived_serial(std::string_view vm, std::string_view file)
{
    return fmt::format("ez{:016x}", fnv1a64(fmt::format("{}/serial/{}", vm, file)));
}

void add_identity(CommandContext& ctx)
{
    const auto& name = ctx.spec.general.name;
    const auto& uuid = ctx.spec.system.bios.uuid;
    ctx.args.add("-name", Opts().set("guest", name).on("debug-threads", true));
    ctx.args.add("-uuid", uuid.empty() ? derived_uuid(name) : uuid);
    // The generation ID: an ACPI device on no bus, so it takes no PCI slot.
    if (!ctx.spec.system.vmgenid.empty())
        ctx.args.add("-device", Opts("vmgenid").set("guid", ctx.spec.system.vmgenid));
    ctx.args.add("-nodefaults");
    ctx.args.add("-no-user-config");
}

}  // namespace ezkvm::qemu
