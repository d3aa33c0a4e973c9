#include "runtime/console_relay.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/unix_socket.hpp"

namespace ezkvm::runtime {
namespace {

constexpr char esc = '\x1b';
constexpr char bel = '\x07';
// How long a slow reader (the journal, an attached terminal) may hold up the relay.
constexpr int write_timeout_ms = 5000;
constexpr std::string_view busy_message = "ezkvm: the console is in use by another client\r\n";

bool in_range(char c, char low, char high)
{
    return c >= low && c <= high;
}

// Writes all of `data`, waiting for a non-blocking descriptor to take more.
bool send_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd pfd{fd, POLLOUT, 0};
            if (::poll(&pfd, 1, write_timeout_ms) > 0)
                continue;
            errno = ETIMEDOUT;
        }
        return false;
    }
    return true;
}

void make_non_blocking(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

class Relay {
public:
    Relay(ConsoleRelayOptions options, StopSignals& signals, std::ostream& log)
        : opts_(std::move(options)), signals_(signals), log_(log) {}

    int run()
    {
        if (!listen())
            return 1;
        make_non_blocking(opts_.console.get());
        while (opts_.console && !stop_) {
            pollfd fds[5] = {{signals_.fd(), POLLIN, 0},
                             {opts_.console.get(), POLLIN, 0},
                             {listener_.get(), POLLIN, 0},
                             {client_.get(), POLLIN, 0},
                             {opts_.on_watch ? opts_.watch_fd : -1, POLLIN, 0}};
            if (::poll(fds, 5, -1) < 0 && errno != EINTR)
                break;
            if (fds[4].revents && !opts_.on_watch())
                break;
            if (fds[0].revents)
                on_signals();
            if (fds[1].revents)
                from_guest();
            if (fds[2].revents)
                accept_client();
            if (fds[3].revents)
                from_client();
        }
        ::unlink(opts_.attach_socket.c_str());
        return 0;
    }

private:
    template <typename... Args>
    void say(fmt::format_string<Args...> format, Args&&... args)
    {
        log_ << fmt::format(format, std::forward<Args>(args)...) << std::endl;
    }

    // A socket left by a relay that was killed is replaced; one that answers is not.
    bool listen()
    {
        const std::string& path = opts_.attach_socket;
        struct stat st;
        if (::lstat(path.c_str(), &st) == 0) {
            if (!S_ISSOCK(st.st_mode) || unix_socket_answers(path)) {
                say("cannot serve the console on {}: {}", path,
                    S_ISSOCK(st.st_mode) ? "another process serves it" : "something else is in the way");
                return false;
            }
            ::unlink(path.c_str());
        }
        auto listening = listen_unix(path, 0600);
        if (!listening) {
            say("cannot serve the console on {}: {}", path, std::strerror(listening.error().errno_value));
            return false;
        }
        listener_ = std::move(*listening);
        return true;
    }

    void on_signals()
    {
        for (int sig : signals_.take())
            if (StopSignals::is_stop_request(sig))
                stop_ = true;
    }

    void from_guest()
    {
        char buf[65536];
        const ssize_t n = ::read(opts_.console.get(), buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            opts_.console.reset();  // qemu has gone
            return;
        }
        const std::string_view data(buf, static_cast<size_t>(n));
        if (logging_ && !send_all(opts_.log_fd, text_.filter(data))) {
            say("cannot log the console any more: {}", std::strerror(errno));
            logging_ = false;
        }
        if (client_ && !send_all(client_.get(), data))
            client_.reset();  // too slow or gone: it can attach again
    }

    void accept_client()
    {
        Fd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!client)
            return;
        if (client_) {
            send_all(client.get(), busy_message);
            return;
        }
        client_ = std::move(client);
    }

    void from_client()
    {
        char buf[4096];
        const ssize_t n = ::read(client_.get(), buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            client_.reset();
            return;
        }
        if (!send_all(opts_.console.get(), std::string_view(buf, static_cast<size_t>(n))))
            say("cannot pass input to the guest: {}", std::strerror(errno));
    }

    ConsoleRelayOptions opts_;
    StopSignals& signals_;
    std::ostream& log_;
    Fd listener_;
    Fd client_;
    JournalText text_;
    bool logging_ = true;
    bool stop_ = false;
};

}  // namespace

std::string console_attach_socket(const VmPaths& paths)
{
    return paths.runtime_dir + "/console-attach.sock";
}

std::string JournalText::filter(std::string_view data)
{
    std::string out;
    out.reserve(data.size());
    for (const char c : data) {
        switch (state_) {
        case State::Text:
            if (c == esc)
                state_ = State::Escape;
            else if (c == '\n' || c == '\t' || (static_cast<unsigned char>(c) >= 0x20 && c != '\x7f'))
                out += c;
            break;
        case State::Escape:
            if (c == '[')
                state_ = State::Csi;
            else if (c == ']')
                state_ = State::Osc;
            else if (in_range(c, 0x20, 0x2f))
                state_ = State::EscapeIntermediate;  // ESC ( B and the like: one more byte
            else
                state_ = State::Text;
            break;
        case State::EscapeIntermediate:
            if (!in_range(c, 0x20, 0x2f))
                state_ = State::Text;
            break;
        case State::Csi:
            if (in_range(c, 0x40, 0x7e))
                state_ = State::Text;
            break;
        case State::Osc:
            if (c == bel)
                state_ = State::Text;
            else if (c == esc)
                state_ = State::OscEscape;
            break;
        case State::OscEscape:
            state_ = c == '\\' ? State::Text : State::Osc;
            break;
        }
    }
    return out;
}

int relay_console(ConsoleRelayOptions options, StopSignals& signals, std::ostream& log)
{
    return Relay(std::move(options), signals, log).run();
}

}  // namespace ezkvm::runtime
