#include "base/unix_socket.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace ezkvm {
namespace {

// A new stream socket and the address of `path` for it.
Result<Fd> socket_for(const std::string& path, sockaddr_un& addr)
{
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return errno_error(path, ENAMETOOLONG);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return errno_error(path, errno);
    return fd;
}

const sockaddr* as_sockaddr(const sockaddr_un& addr)
{
    return reinterpret_cast<const sockaddr*>(&addr);
}

}  // namespace

Result<Fd> connect_unix(const std::string& path)
{
    sockaddr_un addr;
    auto made = socket_for(path, addr);
    if (!made)
        return made;
    // Connecting a unix socket never waits, so it can be made non-blocking afterwards.
    if (::connect(made->get(), as_sockaddr(addr), sizeof addr) != 0)
        return errno_error(path, errno);
    const int flags = ::fcntl(made->get(), F_GETFL);
    if (flags < 0 || ::fcntl(made->get(), F_SETFL, flags | O_NONBLOCK) != 0)
        return errno_error(path, errno);
    return made;
}

Result<Fd> listen_unix(const std::string& path, unsigned mode)
{
    sockaddr_un addr;
    auto made = socket_for(path, addr);
    if (!made)
        return made;
    if (::bind(made->get(), as_sockaddr(addr), sizeof addr) != 0)
        return errno_error(path, errno);
    // Nobody can connect before listen(), so the mode is right before the first client.
    if (::chmod(path.c_str(), mode) != 0 || ::listen(made->get(), 16) != 0) {
        const int error = errno;
        ::unlink(path.c_str());
        return errno_error(path, error);
    }
    return made;
}

bool unix_socket_answers(const std::string& path)
{
    return connect_unix(path).ok();
}

}  // namespace ezkvm
