#include "runtime/qmp.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "base/json_text.hpp"
#include "base/unix_socket.hpp"

namespace ezkvm::runtime {
namespace {

int millis_until(std::chrono::steady_clock::time_point deadline)
{
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<long long>(0, left.count()));
}

}  // namespace

QmpClient::QmpClient(Fd socket) : socket_(std::move(socket)) {}

void QmpClient::fail(std::string why)
{
    error_ = std::move(why);
    socket_.reset();
}

bool QmpClient::send(const nlohmann::json& message)
{
    if (!socket_)
        return false;
    const std::string text = json_text(message) + "\n";
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::send(socket_.get(), text.data() + done, text.size() - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += static_cast<size_t>(n);
        } else if (errno == EAGAIN) {
            pollfd pfd{socket_.get(), POLLOUT, 0};
            ::poll(&pfd, 1, 1000);
        } else if (errno != EINTR) {
            fail(fmt::format("cannot send to QMP: {}", std::strerror(errno)));
            return false;
        }
    }
    return true;
}

bool QmpClient::read_available()
{
    char buf[8192];
    for (;;) {
        const ssize_t n = ::recv(socket_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            buffer_.append(buf, static_cast<size_t>(n));
            continue;
        }
        // qemu often resets the connection as it exits: keep what it sent first
        // (the reply to `quit`, the final SHUTDOWN event).
        if (n == 0 || errno == ECONNRESET) {
            parse_lines();
            fail("qemu closed the QMP connection");
            return false;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return parse_lines();
        fail(fmt::format("cannot read from QMP: {}", std::strerror(errno)));
        return false;
    }
}

// Each QMP message is one JSON object on its own line.
bool QmpClient::parse_lines()
{
    size_t start = 0;
    for (size_t end; (end = buffer_.find('\n', start)) != std::string::npos; start = end + 1) {
        std::string_view line(buffer_.data() + start, end - start);
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        if (line.find_first_not_of(" \r\t") == std::string_view::npos)
            continue;
        auto message = nlohmann::json::parse(line, nullptr, false);
        if (message.is_discarded() || !message.is_object()) {
            fail(fmt::format("QMP sent something that is not a JSON object: {}", line.substr(0, 200)));
            return false;
        }
        if (message.contains("event")) {
            QmpEvent event{message.value("event", std::string()), message.value("data", nlohmann::json::object())};
            events_.push_back(std::move(event));
        } else if (message.contains("QMP")) {
            greeting_ = std::move(message);
        } else if (message.contains("return") || message.contains("error")) {
            replies_.push_back(std::move(message));
        }
    }
    buffer_.erase(0, start);
    return true;
}

bool QmpClient::read_more(Clock::time_point deadline)
{
    if (!socket_)
        return false;
    pollfd pfd{socket_.get(), POLLIN, 0};
    int r;
    do
        r = ::poll(&pfd, 1, millis_until(deadline));
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return false;
    return read_available();
}

bool QmpClient::receive()
{
    return socket_ && read_available();
}

bool QmpClient::handshake(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (!greeting_) {
        if (!read_more(deadline) && !greeting_) {
            if (connected())
                error_ = "qemu sent no QMP greeting in time";
            return false;
        }
    }
    const auto reply = execute("qmp_capabilities", nullptr, std::chrono::milliseconds(millis_until(deadline)));
    if (reply && !reply->ok)
        error_ = fmt::format("qmp_capabilities failed: {}", reply->error_desc);
    return reply && reply->ok;
}

std::optional<QmpReply> QmpClient::take_reply(unsigned long id)
{
    for (auto it = replies_.begin(); it != replies_.end(); ++it) {
        if (!it->contains("id") || (*it)["id"] != id)
            continue;
        QmpReply reply;
        if (it->contains("return")) {
            reply.ok = true;
            reply.value = (*it)["return"];
        } else {
            const auto& error = (*it)["error"];
            reply.error_class = error.value("class", std::string());
            reply.error_desc = error.value("desc", std::string());
        }
        replies_.erase(it);
        return reply;
    }
    return std::nullopt;
}

std::optional<QmpReply> QmpClient::execute(const std::string& command, const nlohmann::json& arguments,
                                           std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    const unsigned long id = next_id_++;
    nlohmann::json message{{"execute", command}, {"id", id}};
    if (!arguments.is_null())
        message["arguments"] = arguments;
    if (!send(message))
        return std::nullopt;
    for (;;) {
        if (auto reply = take_reply(id))
            return reply;
        // The reply may have come together with the end of the connection (quit).
        if (!read_more(deadline)) {
            if (auto reply = take_reply(id))
                return reply;
            if (connected())
                error_ = fmt::format("qemu did not answer {} in time", command);
            return std::nullopt;
        }
    }
}

std::optional<QmpEvent> QmpClient::pop_event()
{
    if (events_.empty())
        return std::nullopt;
    QmpEvent event = std::move(events_.front());
    events_.pop_front();
    return event;
}

std::optional<QmpEvent> QmpClient::wait_event(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (events_.empty())
        if (!read_more(deadline))
            return pop_event();
    return pop_event();
}

Result<QmpClient> connect_qmp(const std::string& path, std::chrono::milliseconds timeout, int give_up_fd)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto connected = connect_unix(path);
        if (connected) {
            QmpClient client(std::move(*connected));
            if (!client.handshake(std::chrono::milliseconds(millis_until(deadline))))
                return Error{fmt::format("QMP handshake on {} failed: {}", path, client.error())};
            return client;
        }
        // qemu creates and binds the socket while it starts: until then it is missing or refuses.
        const int error = connected.error().errno_value;
        if (error != ENOENT && error != ECONNREFUSED)
            return errno_error(fmt::format("cannot connect to QMP socket {}", path), error);
        // Waiting on give_up_fd doubles as the pause between attempts.
        pollfd pfd{give_up_fd, POLLIN, 0};
        const int wait = std::min(millis_until(deadline), 10);
        if (::poll(&pfd, 1, wait) > 0)
            return Error{"gave up waiting for QMP"};
        if (millis_until(deadline) == 0)
            return Error{fmt::format("QMP socket {} did not appear within {} ms", path, timeout.count()), ETIMEDOUT};
    }
}

}  // namespace ezkvm::runtime
