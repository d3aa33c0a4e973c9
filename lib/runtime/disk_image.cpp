// Disk images marked `create`: made with qemu-img on first start, as a file
// without a name (or a hidden temporary one) that only gets the real name
// when complete. An existing image (or block device) is never touched.
// The disk's directory may be the VM user's: root opens it without following a
// symlink, makes the file there by fd, gives it to the user and runs qemu-img
// as that user on the open file (/proc/self/fd/N), never on a path.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/process.hpp"
#include "base/safe_open.hpp"
#include "qemu/drive_format.hpp"
#include "runtime/prepare_steps.hpp"

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
    const auto path = std::filesystem::path(drive.file);
    const std::string dir_path = path.parent_path().string();
    const std::string name = path.filename().string();
    auto fail = [&](const std::string& why, const std::string& hint = {}) {
        diags.error(drive.pos, "storage", fmt::format("cannot create disk image {}: {}", drive.file, why), hint);
        return std::nullopt;
    };
    auto dir = open_directory(dir_path, links_for(input.owner));
    if (!dir) {
        if (dir.error().errno_value == ENOENT)
            return fail(fmt::format("its directory {} does not exist", dir_path),
                        fmt::format("create the directory (mkdir -p {}) or change the drive's file", dir_path));
        return fail(dir.error().message);
    }
    struct stat st;
    if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
        return std::nullopt;
    auto file = create_new_file(*dir, name, 0600);
    if (!file)
        return fail(file.error().message, fmt::format("check that the user running the VM may write to {}", dir_path));
    if (auto given = give_fd_to(file->fd, input.owner); !given) {
        discard_file(*dir, *file);
        return fail(given.error().message);
    }
    // The format qemu will be told (the same rule as the plan's: qcow2 unless the
    // file name or the config say otherwise).
    const std::string format(qemu::format_name(qemu::drive_format(drive, false, {})));
    SpawnOptions options;
    options.pass_fds = {file->fd.get()};
    if (!input.owner.is_current())
        options.run_as = input.owner;
    auto run = run_capture({input.qemu_img, "create", "-q", "-f", format, fd_path(file->fd), std::to_string(drive.size)},
                           options);
    if (!run || !run->status.success()) {
        discard_file(*dir, *file);
        return fail(run ? fmt::format("qemu-img {}: {}", run->status.describe(), last_line(run->output))
                        : run.error().message);
    }
    auto published = publish_file(*dir, *file, name);
    if (!published)
        return fail(published.error().message);
    if (!*published)
        return std::nullopt;
    return Created{fmt::format("{} disk image ({} bytes)", format, drive.size), drive.file};
}

}  // namespace ezkvm::runtime
