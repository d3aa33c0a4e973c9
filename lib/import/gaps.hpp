#pragma once
// What Proxmox gives a guest that an ezkvm VM file cannot express yet: one
// table, so that each row can become a mapping once the schema grows. Each
// warning names its row's id in brackets ("[numa]").
#include <string>
#include <string_view>
#include <vector>

#include "import/messages.hpp"

namespace ezkvm::import {

enum class Gap {
    NicQueues,
    VhostNet,
    VlanTag,
    Firewall,
    NicRate,
    NicMtu,
    NicLinkDown,
    AioMode,
    IoThread,
    DiskThrottle,
    ScsiAddress,
    DiskPosition,
    BalloonTarget,
    PitPolicy,
    RtcDriftfix,
    PowerStates,
    PciLayout,
    PciOnQ35,
    Rombar,
    UsbUhci,
    UsbTabletBus,
    Numa,
    Hugepages,
    CpuHotplug,
    SmbiosFields,
    VgaMemory,
    ScsiController,
    NicModel,
};

struct GapInfo {
    Gap gap;
    std::string_view id;          // "numa"
    std::string_view what;        // what the guest (or host) loses
    // Whether a verbatim extra_args could carry it: the importer never writes
    // one for a gap (extra_args makes every `ezkvm check` warn and hides the
    // device from ezkvm's own checks); where it would be equivalent and safe,
    // the warning says what to add.
    std::string_view extra_args;
};

const std::vector<GapInfo>& gaps();
const GapInfo& gap_info(Gap gap);

// "<subject>: <what>; not expressible in an ezkvm VM file yet [<id>]"
// plus ", to keep it add extra_args: <carry>" when `carry` is given.
void warn_gap(Messages& msgs, int line, Gap gap, const std::string& subject, const std::string& carry = {});

}  // namespace ezkvm::import
