#include "firmware/machine.hpp"

#include <fnmatch.h>

#include "firmware/firmware.hpp"

namespace ezkvm::firmware {

namespace {

// An unversioned alias ("q35", "pc") stands for the newest versioned machine of
// whatever qemu runs the VM, which is not known here. Descriptors name machines
// by versioned globs ("pc-q35-*"), so the alias is also tested as a versioned
// name newer than any release: "pc-q35-*" covers it, a pin like "pc-q35-7.*" does not.
constexpr const char* kNewerThanAnyRelease = "99.0";

std::string versioned_name(const config::Chip& chip, const std::string& version)
{
    return (chip.type == config::Chipset::Q35 ? "pc-q35-" : "pc-i440fx-") + version;
}

std::vector<std::string> names_to_match(const config::Chip& chip)
{
    if (!chip.version.empty())
        return {machine_type(chip)};
    return {machine_type(chip), versioned_name(chip, kNewerThanAnyRelease)};
}

}  // namespace

std::string machine_type(const config::Chip& chip)
{
    if (chip.version.empty())
        return chip.type == config::Chipset::Q35 ? "q35" : "pc";
    return versioned_name(chip, chip.version);
}

bool supports_machine(const Descriptor& descriptor, const config::Chip& chip)
{
    const std::vector<std::string> names = names_to_match(chip);
    for (const Target& target : descriptor.targets) {
        if (target.architecture != "x86_64")
            continue;
        for (const std::string& glob : target.machines)
            for (const std::string& name : names)
                if (fnmatch(glob.c_str(), name.c_str(), 0) == 0)
                    return true;
    }
    return false;
}

}  // namespace ezkvm::firmware
