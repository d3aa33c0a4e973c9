#include "runtime/runtime_claim.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/unix_socket.hpp"

namespace ezkvm::runtime {

std::optional<RuntimeClaim> RuntimeClaim::acquire(const std::string& vm_name, const VmPaths& paths,
                                                  const Owner& owner, Diagnostics& diags)
{
    if (!ensure_private_dir(paths.runtime_dir, owner, diags))
        return std::nullopt;
    Fd lock(::open(paths.runtime_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!lock) {
        diags.error({}, {}, fmt::format("cannot open {}: {}", paths.runtime_dir, std::strerror(errno)));
        return std::nullopt;
    }
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            diags.error({}, {}, fmt::format("VM {} is already running: another ezkvm holds {}", vm_name,
                                            paths.runtime_dir));
        else
            diags.error({}, {}, fmt::format("cannot lock {}: {}", paths.runtime_dir, std::strerror(errno)));
        return std::nullopt;
    }
    if (unix_socket_answers(paths.qmp())) {
        diags.error({}, {}, fmt::format("VM {} is already running: its QMP socket {} answers", vm_name, paths.qmp()),
                    fmt::format("stop it first; it may be running as the unit ezkvm@{}.service", vm_name));
        return std::nullopt;
    }
    return RuntimeClaim(std::move(lock), paths);
}

void RuntimeClaim::remove_runtime_files() const
{
    const auto& p = paths_;
    for (const auto& file : {p.qmp(), p.monitor(), p.console(), p.console_log(), p.guest_agent(), p.spice(), p.vnc(),
                             p.swtpm(), p.swtpm_ctrl(), p.pidfile()})
        ::unlink(file.c_str());
    ::rmdir(p.runtime_dir.c_str());
}

}  // namespace ezkvm::runtime
