#include "runtime/prepare.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/prepare_steps.hpp"
#include "runtime/usb_access.hpp"

namespace ezkvm::runtime {

bool publish_new_file(const std::string& temp, const std::string& target, const std::string& what,
                      Diagnostics& diags, const Pos& pos, const std::string& key)
{
    if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0)
        return true;
    const int error = errno;
    ::unlink(temp.c_str());
    if (error != EEXIST)
        diags.error(pos, key, fmt::format("cannot create {} {}: {}", what, target, std::strerror(error)));
    return false;
}

std::vector<Created> prepare(const PrepareInput& input, Diagnostics& diags)
{
    std::vector<Created> created;
    if (!ensure_private_dir(input.paths.runtime_dir, input.owner, diags) ||
        !ensure_private_dir(input.paths.state_dir, input.owner, diags))
        return created;
    auto keep = [&created](std::optional<Created> item) {
        if (item)
            created.push_back(std::move(*item));
    };
    keep(create_efivars(input, diags));
    for (const auto& group : input.spec->storage)
        for (const auto& drive : group.drives)
            if (drive.create)
                keep(create_disk_image(drive, input, diags));
    keep(create_tpm_state(input, diags));
    keep(create_looking_glass_shm(input, diags));
    for (auto& granted : grant_usb_access(input, diags))
        created.push_back(std::move(granted));
    return created;
}

}  // namespace ezkvm::runtime
