// Disk images marked `create`: made with qemu-img on first start, under a
// temporary name that only becomes the real one when complete. An existing
// image (or block device) is never touched.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "qemu/drive_format.hpp"
#include "base/fd.hpp"
#include "runtime/prepare_steps.hpp"
#include "base/process.hpp"

namespace ezkvm::runtime {
namespace {

std::string last_line(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    const size_t nl = text.rfind('\n');
    return nl == std::string::npos ? text : text.substr(nl + 1);
}

}  // namespace

std::optional<Created> create_disk_image(const config::Drive& drive, const PrepareInput& input, Diagnostics& diags)
{
    struct stat st;
    if (::lstat(drive.file.c_str(), &st) == 0)
        return std::nullopt;
    const auto path = std::filesystem::path(drive.file);
    const std::string dir = path.parent_path().string();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        diags.error(drive.pos, "storage",
                    fmt::format("cannot create disk image {}: its directory {} does not exist", drive.file, dir),
                    fmt::format("create the directory (mkdir -p {}) or change the drive's file", dir));
        return std::nullopt;
    }
    // Hidden, in the same directory, so the final rename is atomic.
    std::string temp = dir + "/." + path.filename().string() + ".XXXXXX";
    Fd placeholder(::mkostemp(temp.data(), O_CLOEXEC));
    if (!placeholder) {
        diags.error(drive.pos, "storage",
                    fmt::format("cannot create disk image {}: {}", drive.file, std::strerror(errno)),
                    fmt::format("check that the user running the VM may write to {}", dir));
        return std::nullopt;
    }
    placeholder.reset();
    // The format qemu will be told (the same rule as the plan's: qcow2 unless the
    // file name or the config say otherwise).
    const std::string format(qemu::format_name(qemu::drive_format(drive, false, {})));
    auto run = run_capture({input.qemu_img, "create", "-q", "-f", format, temp, std::to_string(drive.size)});
    if (!run || !run->status.success()) {
        ::unlink(temp.c_str());
        const std::string why = run ? fmt::format("qemu-img {}: {}", run->status.describe(), last_line(run->output))
                                    : run.error().message;
        diags.error(drive.pos, "storage", fmt::format("cannot create disk image {}: {}", drive.file, why));
        return std::nullopt;
    }
    if (!input.owner.is_current() && ::chown(temp.c_str(), input.owner.uid, input.owner.gid) != 0) {
        diags.error(drive.pos, "storage",
                    fmt::format("cannot give disk image {} to uid {}: {}", drive.file, input.owner.uid,
                                std::strerror(errno)));
        ::unlink(temp.c_str());
        return std::nullopt;
    }
    if (!publish_new_file(temp, drive.file, "disk image", diags, drive.pos, "storage"))
        return std::nullopt;
    return Created{fmt::format("{} disk image ({} bytes)", format, drive.size), drive.file};
}

}  // namespace ezkvm::runtime
