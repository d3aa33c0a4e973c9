// looking-glass through a file in /dev/shm: the file exists with at least the
// configured size before qemu maps it, owned by the VM's user and its group
// (0660), so a desktop user in that group can run looking-glass-client.
// A bigger file is left as it is (a client may have it mapped); a file someone
// else made is refused, since they could still hold it open.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/fd.hpp"
#include "runtime/prepare_steps.hpp"

namespace ezkvm::runtime {
namespace {

constexpr const char* key = "display.device.path";
constexpr mode_t shm_mode = 0660;

// Opens the file without O_CREAT first: in a sticky, world-writable /dev/shm
// (fs.protected_regular) even root may not O_CREAT-open a file it does not own.
Fd open_shm(const std::string& path, bool& created)
{
    created = false;
    for (int attempt = 0; attempt < 2; ++attempt) {
        Fd fd(::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
        if (fd || errno != ENOENT)
            return fd;
        fd = Fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, shm_mode));
        if (fd || errno != EEXIST) {
            created = static_cast<bool>(fd);
            return fd;
        }
    }
    return Fd();
}

}  // namespace

std::optional<Created> create_looking_glass_shm(const PrepareInput& input, Diagnostics& diags)
{
    const auto& display = input.spec->display;
    const auto& lg = display.looking_glass;
    if (display.type != config::DisplayType::LookingGlass || !lg.path.starts_with("/dev/shm/"))
        return std::nullopt;
    const std::string path = input.root + lg.path;
    bool created = false;
    Fd fd = open_shm(path, created);
    if (!fd) {
        diags.error({}, key, fmt::format("cannot open the looking-glass shared memory {}: {}", lg.path,
                                         std::strerror(errno)));
        return std::nullopt;
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        diags.error({}, key, fmt::format("{} is not a regular file", lg.path), "remove it, or choose another path");
        return std::nullopt;
    }
    if (!created && st.st_uid != input.owner.uid && st.st_uid != 0) {
        diags.error({}, key,
                    fmt::format("{} belongs to uid {}, not to the VM's user (uid {}): its owner could still have it "
                                "open and read the guest's screen",
                                lg.path, st.st_uid, input.owner.uid),
                    fmt::format("remove it (rm {}) and start the VM again", lg.path));
        return std::nullopt;
    }
    const bool grow = static_cast<uint64_t>(st.st_size) < lg.size;
    if ((grow && ::ftruncate(fd.get(), static_cast<off_t>(lg.size)) != 0) ||
        (!input.owner.is_current() && ::fchown(fd.get(), input.owner.uid, input.owner.gid) != 0) ||
        ::fchmod(fd.get(), shm_mode) != 0) {
        diags.error({}, key, fmt::format("cannot prepare the looking-glass shared memory {}: {}", lg.path,
                                         std::strerror(errno)));
        if (created)
            ::unlink(path.c_str());
        return std::nullopt;
    }
    if (!created && !grow)
        return std::nullopt;
    return Created{fmt::format("looking-glass shared memory ({} bytes)", lg.size), lg.path};
}

}  // namespace ezkvm::runtime
