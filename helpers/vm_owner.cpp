// Who a system VM's processes run as, as the root steps (prepare) must know
// it: the uid systemd gave the VM's dynamic user for this run, or a static
// general.user, never one in the group polkit trusts.
#include <grp.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "base/groups.hpp"
#include "bus/manager.hpp"
#include "helpers/helper.hpp"
#include "host/device_open.hpp"
#include "units/identity.hpp"

namespace ezkvm::helper {
namespace {

// A static user (general.user) in the group polkit trusts to manage every VM
// would hand that power to the VM's qemu, swtpm and passt.
bool in_operators_group(const host::UserIdentity& user)
{
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<size_t>(count));
        ::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count);
    }
    groups.resize(static_cast<size_t>(std::max(count, 0)));
    return group_among(operators_group, groups);
}

// The user the unit runs qemu as (the generator's User=): the VM's dynamic
// user, whose uid systemd chose for this run, or general.user. A user manager
// runs everything as its own user.
}  // namespace

std::optional<Owner> vm_owner(const config::LoadedVm& vm, Scope scope, Diagnostics& diags)
{
    if (scope == Scope::User)
        return Owner::current();
    const auto identity = units::vm_identity(vm.name, vm.spec.general.user);
    if (identity.dynamic) {
        auto bus = bus::Connection::open(Scope::System);
        auto uid = bus ? bus::dynamic_user_uid(*bus, identity.user) : Result<uint32_t>(bus.error());
        if (!uid) {
            diags.error({}, "general.user",
                        fmt::format("cannot learn the uid of the VM's user {}: {}", identity.user, uid.error().message),
                        "start it as ezkvm@.service (systemctl start), which makes that user");
            return std::nullopt;
        }
        return Owner{*uid, *uid};  // a dynamic user's group has its uid's number
    }
    const auto user = host::find_user(identity.user);
    if (!user) {
        diags.error({}, "general.user", fmt::format("the user {} that runs this VM does not exist", identity.user),
                    "create it or change general.user (without it, the VM gets a user of its own)");
        return std::nullopt;
    }
    if (in_operators_group(*user)) {
        diags.error({}, "general.user",
                    fmt::format("the user {} is in group {}, which may start and stop every VM: the VM's qemu "
                                "would have that power too",
                                identity.user, operators_group),
                    "run the VM as a user outside that group, or leave general.user out");
        return std::nullopt;
    }
    return Owner{user->uid, user->gid};
}

// systemd makes a dynamic user's state directory /var/lib/private/ezkvm/<vm>
// and links /var/lib/ezkvm/<vm> to it: root's link in root's directory, so
// following it is safe; the VM's user can change neither.
std::string real_state_dir(const std::string& state_dir)
{
    struct stat st;
    if (::lstat(state_dir.c_str(), &st) != 0 || !S_ISLNK(st.st_mode) || st.st_uid != 0)
        return state_dir;
    std::error_code ec;
    const auto parent = std::filesystem::path(state_dir).parent_path();
    if (::lstat(parent.c_str(), &st) != 0 || st.st_uid != 0 || (st.st_mode & 022) != 0)
        return state_dir;
    const auto real = std::filesystem::canonical(state_dir, ec);
    return ec ? state_dir : real.string();
}

}  // namespace ezkvm::helper
