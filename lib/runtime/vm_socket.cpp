#include "runtime/vm_socket.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/unix_socket.hpp"

namespace ezkvm::runtime {

std::string vm_socket_error(const std::string& vm, Scope scope, const std::string& path, std::string_view what,
                            int error)
{
    const char* user_flag = scope == Scope::User ? "--user " : "";
    switch (error) {
    case ENOENT:
    case ECONNREFUSED:
    case ENOTDIR:
        return fmt::format("VM '{}' is not running (no {} at {}); start it with `ezkvm {}start {}`", vm, what, path,
                           user_flag, vm);
    case EACCES:
    case EPERM:
        if (scope == Scope::System)
            return fmt::format("permission denied: {} ({}): the sockets of system VMs are open to root and the VM's "
                               "user only; members of group ezkvm may start and stop VMs, not attach to them: "
                               "try sudo",
                               path, what);
        return fmt::format("permission denied: {} ({})", path, what);
    default:
        return fmt::format("cannot connect to the {} of VM '{}' at {}: {}", what, vm, path, std::strerror(error));
    }
}

Result<Fd> connect_vm_socket(const std::string& vm, Scope scope, const std::string& path, std::string_view what)
{
    auto connected = connect_unix(path);
    if (connected)
        return connected;
    const int error = connected.error().errno_value;
    return Error{vm_socket_error(vm, scope, path, what, error), error};
}

}  // namespace ezkvm::runtime
