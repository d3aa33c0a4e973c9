#include "qemu/sections.hpp"

namespace ezkvm::qemu {

// qemu talks to swtpm (its own unit) over the socket; the TPM state is swtpm's.
void add_tpm(CommandContext& ctx)
{
    const auto& tpm = ctx.spec.system.tpm;
    if (tpm.type != config::TpmType::Swtpm)
        return;
    const std::string& socket = tpm.socket.empty() ? ctx.input.paths.swtpm() : tpm.socket;
    ctx.args.add("-chardev", Opts("socket").set("id", "tpm-chr").set("path", socket));
    ctx.args.add("-tpmdev", Opts("emulator").set("id", "tpm0").set("chardev", "tpm-chr"));
    // The CRB interface is TPM 2.0 only and needs q35's memory layout; TIS works everywhere.
    const bool crb = tpm.interface ? *tpm.interface == config::TpmInterface::Crb
                                   : ctx.q35() && tpm.version == config::TpmVersion::V2_0;
    ctx.args.add("-device", Opts(crb ? "tpm-crb" : "tpm-tis").set("tpmdev", "tpm0"));
    if (!tpm.disk.empty())
        ctx.uses(tpm.disk, true, HostPath::User::Swtpm);
}

}  // namespace ezkvm::qemu
