// The software TPM's persistent state, manufactured once with swtpm_setup
// (no EK certificates, so no swtpm-localca CA is involved). A state that
// exists already holds the guest's keys: we look for it first so restarts
// skip swtpm_setup, and --not-overwrite makes swtpm_setup itself refuse to
// replace one we could not see (on a block device). When root prepares a VM
// of another user, swtpm_setup runs as that user (--runas), so what it makes is
// the user's already: root never writes into, nor chowns in, a directory the
// VM's user controls. Root only makes the private directory, or the empty
// state file, by fd (base/safe_open.hpp).
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/process.hpp"
#include "base/safe_open.hpp"
#include "runtime/prepare_steps.hpp"

namespace ezkvm::runtime {
namespace {

// Where the state lives: swtpm_setup's --tpmstate argument, and whether a state is already there.
struct StateLocation {
    std::string tpmstate;
    bool present = false;
};

std::optional<StateLocation> locate_state(const PrepareInput& input, bool tpm2, Diagnostics& diags)
{
    const auto& tpm = input.spec->system.tpm;
    if (tpm.disk.empty()) {
        const std::string dir = input.paths.tpm_state();
        const auto fd = private_dir(dir, input.owner, diags);
        if (!fd)
            return std::nullopt;
        // swtpm's directory backend keeps everything that must persist in this one file.
        struct stat st;
        const char* permall = tpm2 ? "tpm2-00.permall" : "tpm-00.permall";
        return StateLocation{dir, ::fstatat(fd->get(), permall, &st, AT_SYMLINK_NOFOLLOW) == 0};
    }
    struct stat st;
    if (::stat(tpm.disk.c_str(), &st) == 0)
        // A block device can only be inspected by swtpm_setup itself.
        return StateLocation{"file://" + tpm.disk, S_ISREG(st.st_mode) && st.st_size > 0};
    const std::string dir = std::filesystem::path(tpm.disk).parent_path().string();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        diags.error({}, "system.tpm.disk",
                    fmt::format("cannot create the TPM state file {}: its directory {} does not exist", tpm.disk, dir),
                    fmt::format("create the directory (mkdir -p {}) or change system.tpm.disk", dir));
        return std::nullopt;
    }
    return StateLocation{"file://" + tpm.disk, false};
}

// The user swtpm_setup must run as; "" to stay who we are.
std::optional<std::string> runas_user(const Owner& owner, Diagnostics& diags)
{
    if (::geteuid() != 0 || owner.uid == 0)
        return std::string();
    const passwd* user = ::getpwuid(owner.uid);
    if (user)
        return std::string(user->pw_name);
    // A dynamic user (without nss-systemd): swtpm_setup takes a number as uid and gid alike.
    if (owner.gid == owner.uid)
        return std::to_string(owner.uid);
    diags.error({}, "system.tpm", fmt::format("cannot create the TPM state: no user has uid {}", owner.uid));
    return std::nullopt;
}

// swtpm_setup running as the owner cannot create a file in a directory of
// root's: the empty file is made for it (an empty file counts as no state).
bool create_empty_state_file(const std::string& path, const Owner& owner, Diagnostics& diags)
{
    const auto p = std::filesystem::path(path);
    auto dir = open_directory(p.parent_path().string(), links_for(owner));
    Fd fd;
    if (dir)
        fd.reset(open_beneath(*dir, p.filename().string(), O_WRONLY | O_CREAT | O_EXCL, 0600));
    if (dir && !fd && errno == EEXIST)
        return true;
    const auto given = fd ? give_fd_to(fd, owner) : Result<void>(errno_error("cannot create it", errno));
    if (!dir || !given) {
        diags.error({}, "system.tpm.disk", fmt::format("cannot create the TPM state file {}: {}", path,
                                                       dir ? given.error().message : dir.error().message));
        return false;
    }
    return true;
}

}  // namespace

std::optional<Created> create_tpm_state(const PrepareInput& input, Diagnostics& diags)
{
    const auto& tpm = input.spec->system.tpm;
    if (tpm.type != config::TpmType::Swtpm)
        return std::nullopt;
    const bool tpm2 = tpm.version == config::TpmVersion::V2_0;
    const auto location = locate_state(input, tpm2, diags);
    if (!location || location->present)
        return std::nullopt;
    const auto runas = runas_user(input.owner, diags);
    if (!runas)
        return std::nullopt;
    if (!runas->empty() && !tpm.disk.empty() && !create_empty_state_file(tpm.disk, input.owner, diags))
        return std::nullopt;

    std::vector<std::string> argv{input.swtpm_setup};
    if (tpm2)
        argv.emplace_back("--tpm2");
    argv.insert(argv.end(), {"--tpmstate", location->tpmstate, "--not-overwrite"});
    if (!runas->empty())
        argv.insert(argv.end(), {"--runas", *runas});
    auto run = run_capture(argv);
    if (!run || !run->status.success()) {
        const std::string why =
            run ? fmt::format("swtpm_setup {}:\n{}", run->status.describe(), run->output) : run.error().message;
        diags.error({}, "system.tpm",
                    fmt::format("cannot create the TPM state in {}: {}", location->tpmstate, why),
                    "check that swtpm and swtpm-tools are installed and the location is writable");
        return std::nullopt;
    }
    // Only possible on a block device, where we could not look before.
    if (run->output.find("Not overwriting existing state") != std::string::npos)
        return std::nullopt;
    const std::string path = tpm.disk.empty() ? input.paths.tpm_state() : tpm.disk;
    return Created{tpm2 ? "TPM 2.0 state" : "TPM 1.2 state", path};
}

}  // namespace ezkvm::runtime
