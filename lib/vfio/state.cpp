#include "vfio/state.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ezkvm::vfio {
namespace fs = std::filesystem;
namespace {

Result<void> make_state_dir(const Host& host)
{
    std::error_code ec;
    fs::create_directories(host.real(state_dir), ec);
    if (ec)
        return Error{fmt::format("cannot create {}: {}", host.real(state_dir), ec.message()), ec.value()};
    ::chmod(host.real(state_dir).c_str(), 0700);
    return {};
}

}  // namespace

std::string state_file(const std::string& address)
{
    return fmt::format("{}/{}.json", state_dir, address);
}

Result<std::optional<Remembered>> read_state(const Host& host, const std::string& address)
{
    const std::string path = host.real(state_file(address));
    std::ifstream in(path);
    if (!in)
        return std::optional<Remembered>();
    const auto json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains("driver") || !json["driver"].is_string())
        return Error{fmt::format("{} is damaged (expected {{\"driver\": NAME}})", path), EINVAL};
    return std::optional(Remembered{json["driver"].get<std::string>()});
}

Result<void> remember(const Host& host, const std::string& address, const Remembered& state)
{
    if (auto made = make_state_dir(host); !made)
        return made;
    const std::string path = host.real(state_file(address));
    const std::string temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << nlohmann::json{{"driver", state.driver}}.dump() << '\n';
        if (!out.flush())
            return Error{fmt::format("cannot write {}", temp), EIO};
    }
    // link(2) refuses an existing target: the first remembered driver stays.
    if (::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
        const int err = errno;
        std::remove(temp.c_str());
        return errno_error("cannot create " + path, err);
    }
    std::remove(temp.c_str());
    return {};
}

Result<void> forget(const Host& host, const std::string& address)
{
    const std::string path = host.real(state_file(address));
    if (std::remove(path.c_str()) != 0 && errno != ENOENT)
        return errno_error("cannot remove " + path, errno);
    return {};
}

Result<StateLock> lock_state(const Host& host)
{
    if (auto made = make_state_dir(host); !made)
        return made.error();
    const std::string path = host.real(std::string(state_dir) + "/.lock");
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd || ::flock(fd.get(), LOCK_EX) != 0)
        return errno_error("cannot lock " + path, errno);
    return StateLock{std::move(fd)};
}

}  // namespace ezkvm::vfio
