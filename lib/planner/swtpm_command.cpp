#include "planner/swtpm_command.hpp"

#include <fmt/format.h>

namespace ezkvm::planner {

std::vector<std::string> swtpm_command(const config::VmSpec& spec, const VmPaths& paths, const std::string& binary,
                                       const std::string& ctrl)
{
    const auto& tpm = spec.system.tpm;
    std::vector<std::string> argv{binary, "socket"};
    if (tpm.version == config::TpmVersion::V2_0)
        argv.emplace_back("--tpm2");
    argv.emplace_back("--tpmstate");
    argv.push_back(tpm.disk.empty() ? fmt::format("dir={},mode=0600", paths.tpm_state())
                                    : fmt::format("backend-uri=file://{}", tpm.disk));
    argv.emplace_back("--ctrl");
    argv.push_back(ctrl);
    argv.emplace_back("--terminate");
    return argv;
}

}  // namespace ezkvm::planner
