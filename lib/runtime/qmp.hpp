#pragma once
// A QMP client (qemu's JSON monitor protocol) over a unix stream socket:
// greeting, capability negotiation, synchronous commands, and the events qemu
// sends in between, queued until read. Failures are values, never exceptions.
#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace ezkvm::runtime {

struct QmpEvent {
    std::string name;       // "SHUTDOWN"
    nlohmann::json data;    // the event's "data" object (empty object when none)
};

struct QmpReply {
    bool ok = false;
    nlohmann::json value;       // "return" when ok
    std::string error_class;    // "GenericError" when !ok
    std::string error_desc;
};

class QmpClient {
public:
    // `socket`: a connected stream socket (non-blocking or not).
    explicit QmpClient(Fd socket);

    // Reads the greeting and enters command mode (qmp_capabilities).
    bool handshake(std::chrono::milliseconds timeout);

    // Sends one command and waits for its reply; events that arrive first are queued.
    // nullopt: the connection failed or no reply came in time (see error()).
    std::optional<QmpReply> execute(const std::string& command, const nlohmann::json& arguments = nullptr,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Reads whatever has arrived without blocking; false once the connection is gone.
    bool receive();

    std::optional<QmpEvent> pop_event();
    // The next event, waiting at most `timeout` for one.
    std::optional<QmpEvent> wait_event(std::chrono::milliseconds timeout);

    int fd() const { return socket_.get(); }
    bool connected() const { return socket_.valid(); }
    // Why the last call failed ("qemu closed the QMP connection", ...).
    const std::string& error() const { return error_; }

private:
    using Clock = std::chrono::steady_clock;

    bool send(const nlohmann::json& message);
    // Waits until data arrives (or the deadline passes) and reads it.
    bool read_more(Clock::time_point deadline);
    bool read_available();
    bool parse_lines();
    std::optional<QmpReply> take_reply(unsigned long id);
    void fail(std::string why);

    Fd socket_;
    std::string buffer_;
    std::deque<QmpEvent> events_;
    std::deque<nlohmann::json> replies_;  // replies not yet claimed by execute()
    std::optional<nlohmann::json> greeting_;
    unsigned long next_id_ = 1;
    std::string error_;
};

// Connects to qemu's QMP socket at `path`, retrying while the socket is not
// there yet, until `timeout` passes or `give_up_fd` (e.g. qemu's pidfd)
// becomes readable; then does the handshake.
Result<QmpClient> connect_qmp(const std::string& path, std::chrono::milliseconds timeout, int give_up_fd = -1);

}  // namespace ezkvm::runtime
