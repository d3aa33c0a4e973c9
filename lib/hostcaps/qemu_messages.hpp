#pragma once
// Reads why qemu refused to set up a vCPU under KVM from what it printed on
// stderr: the MSR quirks, the Hyper-V enlightenments KVM refused and the CPU
// features it cannot offer. Pure text work, so the probe's decisions can be
// tested with recorded output on any host.
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::hostcaps {

struct VcpuRefusal {
    // qemu aborted setting IA32_ARCH_CAPABILITIES (MSR 0x10a): `-arch-capabilities` avoids it.
    bool arch_capabilities = false;
    std::vector<std::string> refused_hyperv;    // "hv_vpindex"
    std::vector<std::string> missing_features;  // "sse4.1", from enforce's warnings
    std::string message;                        // qemu's first error line, for people

    bool understood() const
    {
        return arch_capabilities || !refused_hyperv.empty() || !missing_features.empty();
    }
};

VcpuRefusal read_vcpu_refusal(std::string_view stderr_text);

}  // namespace ezkvm::hostcaps
