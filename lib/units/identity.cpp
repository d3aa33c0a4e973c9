#include "units/identity.hpp"

#include <cstdint>

#include <fmt/format.h>

#include "units/unit_file.hpp"

namespace ezkvm::units {
namespace {

constexpr std::string_view prefix = "ezkvm-";
constexpr size_t kept_characters = 16;

// FNV-1a: stable across builds and hosts, which the name must be (it names the
// VM's state owner in the journal and in LookupDynamicUserByName).
uint32_t name_hash(std::string_view text)
{
    uint32_t hash = 2166136261u;
    for (const unsigned char c : text) {
        hash ^= c;
        hash *= 16777619u;
    }
    return hash;
}

}  // namespace

std::string vm_user_name(std::string_view vm)
{
    if (prefix.size() + vm.size() <= max_user_name && vm.find('.') == std::string_view::npos)
        return std::string(prefix) + std::string(vm);
    std::string kept(vm.substr(0, kept_characters));
    for (auto& c : kept)
        if (c == '.')
            c = '_';
    return fmt::format("{}{}-{:08x}", prefix, kept, name_hash(vm));
}

VmIdentity vm_identity(std::string_view vm, const std::string& general_user)
{
    if (!general_user.empty())
        return {general_user, false};
    return {vm_user_name(vm), true};
}

void add_identity(UnitFile& unit, const VmIdentity& identity)
{
    if (identity.dynamic)
        unit.add("Service", "DynamicUser", "yes");
    unit.add("Service", "User", escape_value(identity.user));
}

}  // namespace ezkvm::units
