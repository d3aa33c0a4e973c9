#pragma once
// Puts a terminal in raw mode (every key, Ctrl-C included, goes to the guest)
// for as long as the object lives; the previous mode comes back on every way
// out of the scope. A descriptor that is not a terminal is left alone.
#include <termios.h>

namespace ezkvm::runtime {

class RawTerminal {
public:
    explicit RawTerminal(int fd);
    ~RawTerminal();
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

    bool active() const { return active_; }

private:
    int fd_;
    bool active_ = false;
    termios saved_{};
};

}  // namespace ezkvm::runtime
