#include "runtime/raw_terminal.hpp"

#include <unistd.h>

namespace ezkvm::runtime {

RawTerminal::RawTerminal(int fd) : fd_(fd)
{
    if (!::isatty(fd_) || ::tcgetattr(fd_, &saved_) != 0)
        return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal()
{
    if (active_)
        ::tcsetattr(fd_, TCSANOW, &saved_);
}

}  // namespace ezkvm::runtime
