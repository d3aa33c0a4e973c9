// ExecStartPost=+ (root): registers the running VM with systemd-machined
// (class vm, leader qemu, the VM's SMBIOS UUID) so `machinectl list` and
// `machinectl status` show it. machined follows qemu's unit and forgets the VM
// when it stops. Never fails the start: without machined (not installed) this
// logs at debug level; other problems are logged as warnings.
#include "bus/connection.hpp"
#include "bus/machined.hpp"
#include "helpers/helper.hpp"
#include "qemu/identity.hpp"

namespace ezkvm::helper {
namespace {

// The kernel-style prefix journald reads as the priority of a stderr line.
constexpr const char* debug_prefix = "<7>";
constexpr const char* warning_prefix = "<4>";

// machined takes machine names that are valid host names.
bool host_name_like(const std::string& name)
{
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return false;
    return !name.empty() && name.front() != '.' && name.front() != '-';
}

}  // namespace

int register_machine(const Invocation& inv)
{
    const auto env = config::Environment::from_process(inv.scope);
    const auto vm = load(inv, env);
    if (!vm)
        return 0;
    if (!host_name_like(vm->name)) {
        say("{}not registered with systemd-machined: it takes names of letters, digits, '-' and '.', not '{}'",
            warning_prefix, vm->name);
        return 0;
    }
    const auto qemu = main_process();
    if (!qemu) {
        say("{}not registered with systemd-machined: qemu is not running ($MAINPID unset)", warning_prefix);
        return 0;
    }
    const std::string uuid = vm->spec.system.bios.uuid.empty() ? qemu::derived_uuid(vm->name) : vm->spec.system.bios.uuid;
    const auto id = bus::parse_uuid(uuid);
    if (!id) {
        say("{}not registered with systemd-machined: '{}' is not a UUID", warning_prefix, uuid);
        return 0;
    }
    auto connection = bus::Connection::open(Scope::System);
    if (!connection) {
        say("{}not registered with systemd-machined: {}", debug_prefix, connection.error().message);
        return 0;
    }
    const auto registered = bus::register_machine(connection.value(), {vm->name, *id, qemu->pid});
    if (!registered) {
        const bool absent = bus::is_service_unknown(registered.error());
        say("{}{}{}", absent ? debug_prefix : warning_prefix, registered.error().message,
            absent ? " (systemd-machined is not installed: skipped)" : "");
        return 0;
    }
    say("registered with systemd-machined as {} (leader {})", vm->name, qemu->pid);
    return 0;
}

}  // namespace ezkvm::helper
