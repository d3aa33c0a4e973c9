#pragma once
// Connecting to one of a running VM's sockets (QMP, the console) with an
// error a user can act on: not running, or not allowed.
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::runtime {

// A connected, non-blocking socket, or the message for the user (vm_socket_error()).
// `what` names the socket in messages ("serial console", "QMP socket").
Result<Fd> connect_vm_socket(const std::string& vm, Scope scope, const std::string& path, std::string_view what);

// The message for a failed connect() to `path` with `error` (an errno value).
std::string vm_socket_error(const std::string& vm, Scope scope, const std::string& path, std::string_view what,
                            int error);

}  // namespace ezkvm::runtime
