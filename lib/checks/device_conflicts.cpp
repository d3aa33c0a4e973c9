#include "checks/device_conflicts.hpp"

#include <fmt/format.h>

#include "config/passthrough.hpp"
#include "host/usb_device.hpp"

namespace ezkvm::checks {
namespace {

std::string where(const config::LoadedVm& vm, const Pos& pos)
{
    const std::string at = pos.str();
    return at.empty() ? vm.source : at;
}

constexpr const char* hint =
    "the two can take turns but not run together: starting one while the other runs fails";

}  // namespace

void check_device_conflicts(const config::LoadedVm& vm, const std::vector<const config::LoadedVm*>& others,
                            Diagnostics& diags)
{
    const auto mine = config::passthrough_functions(vm.spec);
    const auto& my_usb = vm.spec.host.usb;
    for (const auto* other : others) {
        for (const auto& use : mine)
            for (const auto& theirs : config::passthrough_functions(other->spec))
                if (theirs.function->host_id == use.function->host_id)
                    diags.warning(use.function->pos, use.key + ".host_id",
                                  fmt::format("PCI device {} is also passed through by VM '{}', {} at {}",
                                              use.function->host_id, other->name, theirs.key,
                                              where(*other, theirs.function->pos)),
                                  hint);
        const auto& their_usb = other->spec.host.usb;
        for (size_t i = 0; i < my_usb.size(); ++i)
            for (size_t j = 0; j < their_usb.size(); ++j)
                if (host::same_usb_device(my_usb[i], their_usb[j]))
                    diags.warning(my_usb[i].pos, fmt::format("host.usb[{}]", i),
                                  fmt::format("USB device {} is also passed through by VM '{}', host.usb[{}] at {}",
                                              host::describe(my_usb[i]), other->name, j,
                                              where(*other, their_usb[j].pos)),
                                  hint);
    }
}

}  // namespace ezkvm::checks
