#pragma once
// The VM's software TPM. ezkvm binds and listens on the TPM socket itself and
// hands the listening descriptor to `swtpm socket --ctrl type=unixio,fd=N`:
// the socket accepts connections from the moment start() returns, so qemu can
// be started right away without polling or sleeping. (swtpm 0.7 treats `fd=`
// as a server socket and accepts clients on it; verified with swtpm 0.7.1.)
#include <chrono>
#include <optional>
#include <string>

#include "config/spec.hpp"
#include "base/private_dir.hpp"
#include "base/process.hpp"
#include "base/diagnostic.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::runtime {

class Swtpm {
public:
    // The TPM state must exist already (see prepare()).
    static std::optional<Swtpm> start(const config::VmSpec& spec, const VmPaths& paths, const Owner& owner,
                                      Diagnostics& diags, const std::string& binary = "swtpm");

    const std::string& socket_path() const { return socket_; }
    pid_t pid() const { return process_.pid(); }

    // swtpm --terminate ends by itself once qemu's connection is gone; if it
    // is still there a second later, SIGTERM, then SIGKILL after `grace`.
    // Removes the socket.
    ExitStatus stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

private:
    Swtpm(Process process, std::string socket) : process_(std::move(process)), socket_(std::move(socket)) {}

    Process process_;
    std::string socket_;
};

// The socket swtpm listens on for `spec`: system.tpm.socket or the runtime directory's.
std::string swtpm_socket_path(const config::VmSpec& spec, const VmPaths& paths);

}  // namespace ezkvm::runtime
