#pragma once
// Logging the way systemd's generators do: to /dev/kmsg as
// "<prio>ezkvm-generator[pid]: message" (the journal picks it up early in
// boot), or to stderr when kmsg is not writable (user generators) or when
// SYSTEMD_LOG_TARGET=console. SYSTEMD_LOG_LEVEL (emerg..debug or 0-7) sets
// the most verbose level shown; the default is info.
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "base/diagnostic.hpp"

namespace ezkvm::generator {

enum class Level { Emerg, Alert, Crit, Err, Warning, Notice, Info, Debug };

class Log {
public:
    // `prefer_stderr`: an interactive run (--dry-run) logs to stderr regardless.
    static Log from_environment(bool prefer_stderr);
    ~Log();
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;
    Log(Log&& other) noexcept;

    void write(Level level, std::string_view message) const;

    template <typename... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) const
    {
        write(Level::Err, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void warning(fmt::format_string<Args...> f, Args&&... args) const
    {
        write(Level::Warning, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) const
    {
        write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
    }

    // Each diagnostic at its severity ("file:line:col: error: ...").
    void diagnostics(const Diagnostics& diags) const;

private:
    Log(int kmsg_fd, Level max_level) : kmsg_fd_(kmsg_fd), max_level_(max_level) {}

    int kmsg_fd_ = -1;  // -1: stderr
    Level max_level_ = Level::Info;
};

}  // namespace ezkvm::generator
