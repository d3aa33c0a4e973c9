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
SocketResult socket_for(const std::string& path, sockaddr_un& addr)
{
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return {Fd(), ENAMETOOLONG};
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return {Fd(), errno};
    return {std::move(fd), 0};
}

const sockaddr* as_sockaddr(const sockaddr_un& addr)
{
    return reinterpret_cast<const sockaddr*>(&addr);
}

}  // namespace

SocketResult connect_unix(const std::string& path)
{
    sockaddr_un addr;
    auto made = socket_for(path, addr);
    if (!made.fd)
        return made;
    // Connecting a unix socket never waits, so it can be made non-blocking afterwards.
    if (::connect(made.fd.get(), as_sockaddr(addr), sizeof addr) != 0)
        return {Fd(), errno};
    const int flags = ::fcntl(made.fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(made.fd.get(), F_SETFL, flags | O_NONBLOCK) != 0)
        return {Fd(), errno};
    return made;
}

SocketResult listen_unix(const std::string& path, unsigned mode)
{
    sockaddr_un addr;
    auto made = socket_for(path, addr);
    if (!made.fd)
        return made;
    if (::bind(made.fd.get(), as_sockaddr(addr), sizeof addr) != 0)
        return {Fd(), errno};
    // Nobody can connect before listen(), so the mode is right before the first client.
    if (::chmod(path.c_str(), mode) != 0 || ::listen(made.fd.get(), 16) != 0) {
        const int error = errno;
        ::unlink(path.c_str());
        return {Fd(), error};
    }
    return made;
}

bool unix_socket_answers(const std::string& path)
{
    return static_cast<bool>(connect_unix(path).fd);
}

}  // namespace ezkvm
