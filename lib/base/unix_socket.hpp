#pragma once
// Unix stream sockets by path. All descriptors are close-on-exec; errors carry
// their errno so callers can tell "not there yet" from real failures.
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace ezkvm {

// A connected, non-blocking client socket.
Result<Fd> connect_unix(const std::string& path);

// A listening socket bound to `path` (which must not exist), its file mode set
// to `mode` before it accepts connections.
Result<Fd> listen_unix(const std::string& path, unsigned mode);

// Whether a server answers on `path` right now.
bool unix_socket_answers(const std::string& path);

}  // namespace ezkvm
