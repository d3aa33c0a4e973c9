#include "checks/original_format.hpp"

#include "config/key_position.hpp"

namespace ezkvm::checks {

void check_original_format(const config::LoadedVm& vm, Diagnostics& diags)
{
    if (!vm.original_format || vm.spec.network.empty())
        return;
    diags.warning(config::position_of(vm.merged, "network"), "network",
                  "ezkvm places PCI devices by its own fixed layout, not where the original tool's qemu put them: "
                  "an installed Windows guest may meet its NICs as new adapters, without their static settings",
                  "see PCI LAYOUT in ezkvm.yaml(5); re-enter the guest's network settings once after the move");
}

}  // namespace ezkvm::checks
