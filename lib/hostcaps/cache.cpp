#include "hostcaps/cache.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hostcaps/probe.hpp"
#include "base/fd.hpp"

namespace ezkvm::hostcaps {
namespace {

using nlohmann::json;

// Bumped whenever the probe learns something new, so old caches are probed again.
constexpr int cache_format = 1;
constexpr const char* kvm_device = "/dev/kvm";
constexpr const char* override_variable = "EZKVM_HOST_CAPABILITIES";
constexpr size_t most_cache_bytes = 4 << 20;

struct Key {
    std::string qemu;    // what identifies the binary's contents
    std::string kernel;  // release and build
    std::string kvm;     // "absent", or the device and whether it opens

    json boot_part() const { return {{"format", cache_format}, {"qemu", qemu}, {"kernel", kernel}}; }
    json full() const
    {
        json j = boot_part();
        j["kvm"] = kvm;
        return j;
    }
};

// Root opens /dev/kvm whatever its mode, so for the system cache only the
// device counts; a user's access can change (group kvm), so it is part of theirs.
Key current_key(Scope scope)
{
    Key key;
    struct stat st;
    if (::stat(qemu_binary, &st) == 0)
        key.qemu = fmt::format("{}:{}:{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                               st.st_mtim.tv_nsec);
    struct utsname uts;
    if (::uname(&uts) == 0)
        key.kernel = fmt::format("{} {}", uts.release, uts.version);
    if (::stat(kvm_device, &st) != 0) {
        key.kvm = "absent";
    } else {
        key.kvm = fmt::format("{}:{}", major(st.st_rdev), minor(st.st_rdev));
        if (scope == Scope::User) {
            Fd fd(::open(kvm_device, O_RDWR | O_CLOEXEC));
            key.kvm += fd ? " opens" : " closed";
        }
    }
    return key;
}

// The cache file's text, when it is a regular file only its owner (root, or
// this user) could have written.
std::optional<std::string> read_trusted(const std::string& path)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 022) ||
        (st.st_uid != 0 && st.st_uid != ::geteuid()) || static_cast<size_t>(st.st_size) > most_cache_bytes)
        return std::nullopt;
    std::string text(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < text.size()) {
        const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
        if (n <= 0)
            return std::nullopt;
        got += static_cast<size_t>(n);
    }
    return text;
}

enum class Match { Boot, Full };

std::optional<Capabilities> read_cache(const std::string& path, const Key& key, Match match)
{
    const auto text = read_trusted(path);
    if (!text)
        return std::nullopt;
    const json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("key") || !j.contains("capabilities"))
        return std::nullopt;
    json stored_key = j["key"];
    if (match == Match::Boot)
        stored_key.erase("kvm");
    if (stored_key != (match == Match::Boot ? key.boot_part() : key.full()))
        return std::nullopt;
    return from_json_value(j["capabilities"]);
}

bool make_dirs(const std::string& dir, mode_t mode)
{
    for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
        const std::string part = dir.substr(0, slash);
        if (::mkdir(part.c_str(), mode) != 0 && errno != EEXIST)
            return false;
        if (slash == std::string::npos)
            return true;
    }
}

// Writes the cache atomically; "" or why not.
std::string write_cache(Scope scope, const Key& key, const Capabilities& caps)
{
    const std::string path = cache_file(scope);
    const std::string dir = path.substr(0, path.rfind('/'));
    if (!make_dirs(dir, scope == Scope::System ? 0755 : 0700))
        return fmt::format("cannot create {}: {}", dir, std::strerror(errno));
    std::string temp = path + ".XXXXXX";
    Fd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd)
        return fmt::format("cannot write {}: {}", path, std::strerror(errno));
    const json file = {{"key", key.full()}, {"capabilities", to_json_value(caps)}};
    const std::string text = file.dump() + "\n";
    const bool written = ::fchmod(fd.get(), 0644) == 0 &&
                         ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                         ::fsync(fd.get()) == 0 && ::rename(temp.c_str(), path.c_str()) == 0;
    if (!written) {
        const int error = errno;
        ::unlink(temp.c_str());
        return fmt::format("cannot write {}: {}", path, std::strerror(error));
    }
    return {};
}

std::optional<HostView> from_override()
{
    const char* value = std::getenv(override_variable);
    if (!value || !*value)
        return std::nullopt;
    const std::string source = fmt::format("{}={}", override_variable, value);
    if (std::string_view(value) == "none")
        return HostView{std::nullopt, source, {}};
    const auto text = read_trusted(value);
    auto caps = text ? from_json(*text) : std::nullopt;
    if (!caps)
        return HostView{std::nullopt, source, fmt::format("{} is not a readable capabilities file", value)};
    return HostView{std::move(caps), source, {}};
}

HostView probe_and_store(Scope scope, const Key& key)
{
    auto result = probe();
    if (!result)
        return {std::nullopt, "probe", result.error().message};
    HostView view{std::move(*result), "probe", {}};
    // Only root writes the system cache: the generator, running as root, trusts what it reads.
    if (scope == Scope::User || ::geteuid() == 0)
        view.note = write_cache(scope, key, *view.caps);
    return view;
}

}  // namespace

std::string cache_file(Scope scope)
{
    return cache_dir(scope) + "/host-capabilities.json";
}

HostView cached_for_boot(Scope scope)
{
    if (auto view = from_override())
        return *view;
    const std::string path = cache_file(scope);
    if (auto caps = read_cache(path, current_key(scope), Match::Boot))
        return {std::move(caps), "cache " + path, {}};
    return {std::nullopt, {}, fmt::format("no current host probe in {}", path)};
}

HostView current(Scope scope)
{
    if (auto view = from_override())
        return *view;
    const Key key = current_key(scope);
    const std::string path = cache_file(scope);
    if (auto caps = read_cache(path, key, Match::Full))
        return {std::move(caps), "cache " + path, {}};
    return probe_and_store(scope, key);
}

HostView refreshed(Scope scope)
{
    if (auto view = from_override())
        return *view;
    return probe_and_store(scope, current_key(scope));
}

}  // namespace ezkvm::hostcaps
