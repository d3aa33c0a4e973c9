#include "generator/log.hpp"

#include <array>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <unistd.h>

namespace ezkvm::generator {
namespace {

constexpr std::array<std::string_view, 8> level_names{"emerg", "alert", "crit", "err",
                                                      "warning", "notice", "info", "debug"};

std::optional<Level> parse_level(std::string_view text)
{
    for (size_t i = 0; i < level_names.size(); ++i)
        if (text == level_names[i] || text == std::to_string(i))
            return static_cast<Level>(i);
    return std::nullopt;
}

std::string_view env(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "";
}

}  // namespace

Log Log::from_environment(bool prefer_stderr)
{
    const auto level = parse_level(env("SYSTEMD_LOG_LEVEL"));
    const std::string_view target = env("SYSTEMD_LOG_TARGET");
    int fd = -1;
    if (!prefer_stderr && target != "console")
        fd = ::open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    Log log(fd, level.value_or(Level::Info));
    if (!level && !env("SYSTEMD_LOG_LEVEL").empty())
        log.warning("ignoring SYSTEMD_LOG_LEVEL={}: expected one of emerg..debug or 0-7", env("SYSTEMD_LOG_LEVEL"));
    return log;
}

Log::~Log()
{
    if (kmsg_fd_ >= 0)
        ::close(kmsg_fd_);
}

Log::Log(Log&& other) noexcept : kmsg_fd_(other.kmsg_fd_), max_level_(other.max_level_)
{
    other.kmsg_fd_ = -1;
}

void Log::write(Level level, std::string_view message) const
{
    if (level > max_level_)
        return;
    std::string line;
    if (kmsg_fd_ >= 0)
        line = fmt::format("<{}>ezkvm-generator[{}]: {}\n", static_cast<int>(level), ::getpid(), message);
    else
        line = fmt::format("ezkvm-generator: {}\n", message);
    // One write per message: kmsg takes each write as one record.
    const ssize_t written = ::write(kmsg_fd_ >= 0 ? kmsg_fd_ : STDERR_FILENO, line.data(), line.size());
    (void)written;  // nowhere left to report a failed log write
}

void Log::diagnostics(const Diagnostics& diags) const
{
    for (const auto& d : diags.items())
        write(d.severity == Severity::Error ? Level::Err : Level::Warning, d.str());
}

}  // namespace ezkvm::generator
