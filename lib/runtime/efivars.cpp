// The VM's UEFI variable store: a private copy of the firmware's template,
// made once. An existing store holds the guest's boot entries and keys, so it
// is never replaced.
#include <algorithm>
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

bool copy_all(int from, int to)
{
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(from, buf, sizeof buf);
        if (n == 0)
            return true;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(to, buf + done, static_cast<size_t>(n - done));
            if (w < 0 && errno != EINTR)
                return false;
            done += std::max<ssize_t>(w, 0);
        }
    }
}

}  // namespace

std::optional<Created> create_efivars(const PrepareInput& input, Diagnostics& diags)
{
    const auto& bios = input.spec->system.bios;
    if (bios.type != config::FirmwareType::Ovmf || !bios.file.empty() || input.vars_template.empty())
        return std::nullopt;
    const std::string target = input.paths.efivars();
    struct stat st;
    if (::lstat(target.c_str(), &st) == 0)
        return std::nullopt;

    Fd from(::open(input.vars_template.c_str(), O_RDONLY | O_CLOEXEC));
    if (!from) {
        diags.error({}, "system.bios",
                    fmt::format("cannot read the OVMF variable template {}: {}", input.vars_template,
                                std::strerror(errno)),
                    "reinstall the firmware package (ovmf) that provides it");
        return std::nullopt;
    }
    std::string temp = target + ".XXXXXX";
    Fd to(::mkostemp(temp.data(), O_CLOEXEC));
    if (!to) {
        diags.error({}, "system.bios", fmt::format("cannot create the UEFI variable store {}: {}", target,
                                                   std::strerror(errno)));
        return std::nullopt;
    }
    if (!copy_all(from.get(), to.get()) || ::fsync(to.get()) != 0 ||
        (!input.owner.is_current() && ::fchown(to.get(), input.owner.uid, input.owner.gid) != 0)) {
        const int error = errno;
        ::unlink(temp.c_str());
        diags.error({}, "system.bios",
                    fmt::format("cannot copy {} to {}: {}", input.vars_template, target, std::strerror(error)));
        return std::nullopt;
    }
    to.reset();
    if (!publish_new_file(temp, target, "the UEFI variable store", diags, {}, "system.bios"))
        return std::nullopt;
    return Created{"UEFI variable store", target};
}

}  // namespace ezkvm::runtime
