#include "vfio/state.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/private_dir.hpp"
#include "base/safe_open.hpp"
#include "vfio/device.hpp"

namespace ezkvm::vfio {
namespace {

Result<Fd> open_state_dir(const Host& host)
{
    return host_state_subdir(host.root(), "vfio");
}

// The directory of an earlier release, when nobody but us (root) could have written there.
Fd open_legacy_dir(const Host& host)
{
    auto dir = open_directory(host.real(legacy_state_dir), Links::Refuse);
    struct stat st;
    if (!dir || ::fstat(dir->get(), &st) != 0 || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
        return Fd();
    return std::move(*dir);
}

std::string file_name(const std::string& address)
{
    return address + ".json";
}

// The file's text; nullopt when there is none. Only a regular file of our own (root's).
Result<std::optional<std::string>> read_text(const Fd& dir, const std::string& name, const std::string& path)
{
    Fd fd(open_beneath(dir, name, O_RDONLY | O_NONBLOCK));
    if (!fd && errno == ENOENT)
        return std::optional<std::string>();
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0)
        return errno_error("cannot read " + path, errno);
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || st.st_nlink != 1 || st.st_size > 4096)
        return Error{fmt::format("{} is not root's own small file: not trusted", path), EPERM};
    std::string text(static_cast<size_t>(st.st_size), '\0');
    const ssize_t n = ::read(fd.get(), text.data(), text.size());
    if (n < 0)
        return errno_error("cannot read " + path, errno);
    text.resize(static_cast<size_t>(n));
    return std::optional(std::move(text));
}

}  // namespace

std::string state_file(const std::string& address)
{
    return fmt::format("{}/{}", state_dir, file_name(address));
}

Result<std::optional<Remembered>> read_state(const Host& host, const std::string& address)
{
    auto dir = open_state_dir(host);
    if (!dir)
        return dir.error();
    std::string path = host.real(state_file(address));
    auto text = read_text(*dir, file_name(address), path);
    if (text && !*text)
        if (Fd legacy = open_legacy_dir(host)) {
            path = host.real(fmt::format("{}/{}", legacy_state_dir, file_name(address)));
            text = read_text(legacy, file_name(address), path);
        }
    if (!text)
        return text.error();
    if (!*text)
        return std::optional<Remembered>();
    const auto json = nlohmann::json::parse(**text, nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains("driver") || !json["driver"].is_string())
        return Error{fmt::format("{} is damaged (expected {{\"driver\": NAME}})", path), EINVAL};
    auto driver = json["driver"].get<std::string>();
    if (!driver.empty() && !valid_driver_name(driver))
        return Error{fmt::format("{} is damaged: {} is not a driver's name", path, nlohmann::json(driver).dump()),
                     EINVAL};
    return std::optional(Remembered{std::move(driver)});
}

Result<void> remember(const Host& host, const std::string& address, const Remembered& state)
{
    auto dir = open_state_dir(host);
    if (!dir)
        return dir.error();
    const std::string path = host.real(state_file(address));
    const std::string text = nlohmann::json{{"driver", state.driver}}.dump() + "\n";
    auto file = create_new_file(*dir, file_name(address), 0600);
    if (!file)
        return Error{fmt::format("cannot write {}: {}", path, file.error().message), file.error().errno_value};
    if (::write(file->fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        const int error = errno;
        discard_file(*dir, *file);
        return errno_error("cannot write " + path, error);
    }
    // An existing file is kept: the first remembered driver stays.
    if (auto published = publish_file(*dir, *file, file_name(address)); !published)
        return Error{fmt::format("cannot create {}: {}", path, published.error().message),
                     published.error().errno_value};
    return {};
}

Result<void> forget(const Host& host, const std::string& address)
{
    auto dir = open_state_dir(host);
    if (!dir)
        return dir.error();
    if (::unlinkat(dir->get(), file_name(address).c_str(), 0) != 0 && errno != ENOENT)
        return errno_error("cannot remove " + host.real(state_file(address)), errno);
    if (Fd legacy = open_legacy_dir(host))
        ::unlinkat(legacy.get(), file_name(address).c_str(), 0);
    return {};
}

Result<StateLock> lock_state(const Host& host)
{
    auto dir = open_state_dir(host);
    if (!dir)
        return dir.error();
    Fd fd(open_beneath(*dir, ".lock", O_RDWR | O_CREAT, 0600));
    if (!fd || ::flock(fd.get(), LOCK_EX) != 0)
        return errno_error("cannot lock " + host.real(std::string(state_dir) + "/.lock"), errno);
    return StateLock{std::move(fd)};
}

}  // namespace ezkvm::vfio
