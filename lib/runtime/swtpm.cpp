#include "runtime/swtpm.hpp"
#include "planner/swtpm_command.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/unix_socket.hpp"

namespace ezkvm::runtime {
namespace {

// A socket file left by a VM that did not stop cleanly is removed; anything
// else in its place, or a socket somebody still answers on, is an error.
bool clear_socket_path(const std::string& path, Diagnostics& diags)
{
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0)
        return true;
    if (!S_ISSOCK(st.st_mode)) {
        diags.error({}, "system.tpm.socket", fmt::format("{} is in the way of the TPM socket: it is not a socket", path),
                    "remove it or choose another system.tpm.socket");
        return false;
    }
    if (unix_socket_answers(path)) {
        diags.error({}, "system.tpm.socket", fmt::format("the TPM socket {} is in use by another process", path),
                    "stop the swtpm that listens there, or choose another system.tpm.socket");
        return false;
    }
    ::unlink(path.c_str());
    return true;
}

}  // namespace

std::string swtpm_socket_path(const config::VmSpec& spec, const VmPaths& paths)
{
    return spec.system.tpm.socket.empty() ? paths.swtpm() : spec.system.tpm.socket;
}

std::optional<Swtpm> Swtpm::start(const config::VmSpec& spec, const VmPaths& paths, const Owner& owner,
                                  Diagnostics& diags, const std::string& binary)
{
    const std::string socket = swtpm_socket_path(spec, paths);
    if (!clear_socket_path(socket, diags))
        return std::nullopt;
    auto listening = listen_unix(socket, 0600);
    if (!listening) {
        diags.error({}, "system.tpm", fmt::format("cannot listen on the TPM socket {}: {}", socket,
                                                  std::strerror(listening.error().errno_value)));
        return std::nullopt;
    }
    if (!give_to(socket, owner, diags)) {
        ::unlink(socket.c_str());
        return std::nullopt;
    }
    const auto argv = planner::swtpm_command(spec, paths, binary, fmt::format("type=unixio,fd={}", listening->get()));

    SpawnOptions options;
    options.pass_fds = {listening->get()};
    auto started = spawn(argv, options);
    if (!started) {
        ::unlink(socket.c_str());
        diags.error({}, "system.tpm", started.error().message, "install swtpm");
        return std::nullopt;
    }
    return Swtpm(std::move(*started), socket);
}

ExitStatus Swtpm::stop(std::chrono::milliseconds grace)
{
    auto status = process_.wait_for(std::chrono::seconds(1));
    if (!status)
        status = process_.terminate(grace);
    ::unlink(socket_.c_str());
    return *status;
}

}  // namespace ezkvm::runtime
