// ExecStartPre=+: runs as root outside the sandbox and makes what qemu and
// swtpm need before they start, owned by the user they run as.
#include <grp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "helpers/helper.hpp"
#include "bus/manager.hpp"
#include "host/device_open.hpp"
#include "hostcaps/cache.hpp"
#include "net/host_network.hpp"
#include "net/links.hpp"
#include "runtime/prepare.hpp"
#include "runtime/vars_template.hpp"
#include "config/passthrough.hpp"
#include "units/file_access.hpp"
#include "units/identity.hpp"
#include "units/unit_names.hpp"
#include "units/settings.hpp"
#include "units/vm_units.hpp"
#include "checks/host_check.hpp"
#include "planner/planner.hpp"

namespace ezkvm::helper {
namespace {

// The group polkit's rule lets start and stop every system VM (polkit/50-ezkvm.rules): for people.
constexpr const char* operators_group = "ezkvm";

// A static user (general.user) in the group polkit trusts to manage every VM
// would hand that power to the VM's qemu, swtpm and passt.
bool in_operators_group(const host::UserIdentity& user)
{
    const group* operators = ::getgrnam(operators_group);
    if (!operators)
        return false;
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<size_t>(count));
        ::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count);
    }
    groups.resize(static_cast<size_t>(std::max(count, 0)));
    return std::find(groups.begin(), groups.end(), operators->gr_gid) != groups.end();
}

// The user the unit runs qemu as (the generator's User=): the VM's dynamic
// user, whose uid systemd chose for this run, or general.user. A user manager
// runs everything as its own user.
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

// The device nodes the VM's user gets for this run (USB ones are found by
// runtime::grant_usb_access): /dev/kvm, the block devices its disks, UEFI
// variables and TPM state are on, its VFIO group nodes and kvmfr device.
std::vector<std::string> vm_device_nodes(const config::VmSpec& spec, const std::string& root)
{
    std::vector<std::string> nodes;
    auto add = [&nodes](const std::string& path) {
        const std::string node = units::normalize_path(path);
        if (!path.empty() && units::is_device_path(node) && std::find(nodes.begin(), nodes.end(), node) == nodes.end())
            nodes.push_back(node);
    };
    if (spec.general.accel != config::Accel::Tcg)
        add("/dev/kvm");
    for (const auto& group : spec.storage)
        for (const auto& drive : group.drives)
            add(drive.file);
    add(spec.system.bios.file);
    if (spec.system.tpm.type == config::TpmType::Swtpm)
        add(spec.system.tpm.disk);
    for (const auto& address : config::passthrough_addresses(spec)) {
        std::error_code ec;
        const auto group = std::filesystem::read_symlink(root + "/sys/bus/pci/devices/" + address + "/iommu_group", ec);
        if (!ec)
            add("/dev/vfio/" + group.filename().string());
    }
    if (spec.display.type == config::DisplayType::LookingGlass && spec.display.looking_glass.path.starts_with("/dev/kvmfr"))
        add(spec.display.looking_glass.path);
    return nodes;
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

// The unit's ExecStart= was planned from the host capabilities whose fingerprint
// the generator put in its environment; if the host changed since (a qemu
// upgrade, a new kernel, KVM appeared), it may not be the command that fits.
void check_units_current(const qemu::Plan& plan, Scope scope, Diagnostics& diags)
{
    const char* generated_with = std::getenv(units::host_fingerprint_variable);
    if (!generated_with || plan.host_fingerprint == generated_with)
        return;
    diags.error({}, "general.accel",
                "this host's qemu or KVM changed since the VM's unit was generated, so its qemu command line may "
                "not fit any more",
                fmt::format("run 'systemctl{} daemon-reload' (or restart ezkvm-host-probe.service), then start it again",
                            scope == Scope::User ? " --user" : ""));
}

}  // namespace

// The VM's taps and macvtaps (only root can make them: a user VM cannot have such NICs).
std::vector<std::string> prepare_network(const config::VmSpec& spec, Scope scope, const Owner& owner,
                                         Diagnostics& diags)
{
    const auto links = net::host_links(spec);
    if (links.empty())
        return {};
    if (scope == Scope::User) {
        const auto& nic = spec.network[links.front().nic];
        diags.error(nic.pos, fmt::format("network[{}].type", links.front().nic),
                    "a user VM cannot have bridge, nat or macvtap NICs: only root can create their host interfaces",
                    "use type user or passt, or run it as a system VM (/etc/ezkvm)");
        return {};
    }
    return net::setup_host_network(spec, {owner.uid, owner.gid}, diags);
}

int prepare(const Invocation& inv)
{
    const auto context = load_context(inv);
    const auto& [env, vm, paths] = context;
    if (!vm)
        return 1;
    Diagnostics diags;
    checks::check_host(*vm, env, HostProblems::Errors, diags);
    if (inv.scope == Scope::System && !diags.has_errors())
        passthrough_devices_free(*vm, env, diags);
    std::optional<qemu::Plan> plan;
    if (!diags.has_errors()) {
        const auto host = hostcaps::current(inv.scope);
        if (!host.note.empty())
            say("{}", host.note);
        plan = planner::plan_vm(*vm, env,
                           {.host = host.caps ? &*host.caps : nullptr,
                            .qemu_user = host::find_user(units::qemu_user_name(vm->name, vm->spec.general.user, inv.scope))},
                           diags);
    }
    if (plan)
        check_units_current(*plan, inv.scope, diags);
    std::optional<Owner> owner;
    if (plan && !diags.has_errors())
        owner = vm_owner(*vm, inv.scope, diags);
    if (owner) {
        runtime::PrepareInput input;
        input.spec = &vm->spec;
        input.paths = paths;
        if (inv.scope == Scope::System)
            input.paths.state_dir = real_state_dir(paths.state_dir);
        input.vars_template = runtime::vars_template(*vm, env);
        input.owner = *owner;
        input.root = env.root;
        input.grant_device_access = inv.scope == Scope::System;  // ACLs need root
        if (input.grant_device_access)
            input.device_nodes = vm_device_nodes(vm->spec, env.root);
        for (const auto& created : runtime::prepare(input, diags))
            say("created {} {}", created.what, created.path);
        if (!diags.has_errors())
            for (const auto& name : prepare_network(vm->spec, inv.scope, *owner, diags))
                say("created network interface {}", name);
    }
    print_diagnostics(diags);
    return diags.has_errors() || !owner ? 1 : 0;
}

}  // namespace ezkvm::helper
