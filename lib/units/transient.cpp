#include "units/transient.hpp"

#include <cerrno>
#include <memory>

#include <fmt/format.h>

#include "units/unit_file.hpp"
#include "units/vm_units.hpp"
#include "base/shell_quote.hpp"

namespace ezkvm::units {
namespace {

using bus::BusValue;
using bus::Credentials;
using bus::ExecCommands;
using bus::FilterList;
using bus::I32;
using bus::TransientProperty;
using bus::U32;
using bus::U64;

constexpr uint64_t usec_per_sec = 1000000;
// The shipped user ezkvm@.service's TimeoutStartSec=.
constexpr unsigned start_timeout_seconds = 300;

// systemd-run passes -p values and its command to the manager without
// resolving specifiers: '%' stays single (escape_word doubles it for unit files).
std::string run_word(std::string_view word)
{
    const std::string escaped = escape_word(word);
    std::string out;
    for (size_t i = 0; i < escaped.size(); ++i) {
        out += escaped[i];
        if (escaped[i] == '%' && i + 1 < escaped.size() && escaped[i + 1] == '%')
            ++i;
    }
    return out;
}

std::string run_command(const std::vector<std::string>& argv)
{
    std::string out;
    for (const auto& arg : argv)
        out += (out.empty() ? "" : " ") + run_word(bus::literal_dollars(arg));
    return out;
}

std::string join(const std::vector<std::string>& words, std::string_view prefix = {})
{
    std::string out(prefix);
    for (size_t i = 0; i < words.size(); ++i)
        out += (i ? " " : "") + words[i];
    return out;
}

class Builder {
public:
    // A plain value (Description=, Type=...): taken as it is, up to the end of the line.
    void text(std::string bus_name, const std::string& key, std::string value)
    {
        for (char& c : value)
            if (c == '\n' || c == '\r')
                c = ' ';
        const std::string line = key + "=" + value;
        add(std::move(bus_name), std::move(value), line);
    }
    void flag(const std::string& key, bool value) { add(key, value, key + (value ? "=yes" : "=no")); }
    void words(std::string key, std::vector<std::string> values)
    {
        std::vector<std::string> escaped;
        for (const auto& value : values)
            escaped.push_back(run_word(value));
        add(key, std::move(values), key + "=" + join(escaped));
    }
    void seconds(std::string bus_name, const std::string& key, unsigned seconds)
    {
        add(std::move(bus_name), U64{seconds * usec_per_sec}, fmt::format("{}={}", key, seconds));
    }
    void filter(const std::string& key, bool allow, std::vector<std::string> items)
    {
        const std::string line = key + "=" + join(items, allow ? "" : "~");
        add(key, FilterList{allow, std::move(items)}, line);
    }
    void exec(const std::string& key, std::vector<std::string> argv, bool ignore_failure = false)
    {
        const std::string line = key + "=" + (ignore_failure ? "-" : "") + run_command(argv);
        add(key, ExecCommands{{std::move(argv), ignore_failure}}, line);
    }
    void add(std::string bus_name, BusValue value, std::string line)
    {
        properties.push_back({std::move(bus_name), std::move(value), std::move(line)});
    }

    std::vector<TransientProperty> properties;
};

std::vector<std::string> helper_command(const std::string& helper, const char* verb, const std::string& vm)
{
    return {helper, "--user", verb, vm};
}

}  // namespace

std::string transient_unit_name(const std::string& vm)
{
    return "ezkvm-transient@" + vm + ".service";
}

std::optional<bus::TransientUnit> transient_vm_unit(const config::LoadedVm& vm, const planner::Plan& plan,
                                               const std::string& file, const std::string& helper,
                                               Diagnostics& diags)
{
    const auto& spec = vm.spec;
    if (spec.system.tpm.type == config::TpmType::Swtpm) {
        diags.error(Pos{std::make_shared<const std::string>(vm.source)}, "system.tpm",
                    "a VM with a software TPM cannot run as a transient unit: it needs the swtpm units "
                    "ezkvm-generator writes",
                    fmt::format("copy it to ~/.config/ezkvm/ and run `ezkvm --user start {}`", vm.name));
        return std::nullopt;
    }
    for (const auto& nic : spec.network)
        if (nic.type != config::NetType::User && nic.type != config::NetType::None) {
            diags.error(Pos{std::make_shared<const std::string>(vm.source)}, "network",
                        "only user-mode NICs (type: user) work in a transient unit: the others need the units "
                        "and host setup ezkvm-generator and the system's ezkvm-helper provide",
                        fmt::format("copy it to ~/.config/ezkvm/ and run `ezkvm --user start {}`", vm.name));
            return std::nullopt;
        }
    Builder b;
    // From the generated drop-in (vm_units.cpp).
    std::string description = "ezkvm VM " + vm.name;
    if (!spec.general.description.empty())
        description += ": " + spec.general.description;
    b.text("Description", "Description", description);
    b.words("Documentation", {"man:ezkvm@.service(8)", "man:ezkvm.yaml(5)"});
    b.words("Wants", {host_probe_unit});
    b.words("After", {host_probe_unit});
    for (const auto& unit : vm_bound_units(plan)) {
        b.words("BindsTo", {unit});
        b.words("After", {unit});
    }
    for (const auto& path : vm_mount_paths(plan.command))
        b.words("RequiresMountsFor", {path});
    // The shipped user ezkvm@.service, with %i resolved.
    b.text("Type", "Type", "simple");
    b.text("KillMode", "KillMode", "mixed");
    b.words("Environment", {"EZKVM_VM_FILE=" + file});
    b.words("Environment", {host_fingerprint_setting(plan.command.host_fingerprint)});
    b.exec("ExecStartPre", helper_command(helper, "prepare", vm.name));
    b.exec("ExecStart", vm_exec_start(vm.name, plan.command, helper));
    b.exec("ExecStartPost", helper_command(helper, "wait-ready", vm.name));
    b.exec("ExecStop", helper_command(helper, "stop", vm.name), true);
    b.seconds("TimeoutStartUSec", "TimeoutStartSec", start_timeout_seconds);
    b.seconds("TimeoutStopUSec", "TimeoutStopSec", vm_stop_timeout_seconds(spec));
    for (const auto& name : vm_credentials(spec))
        b.add("LoadCredential", Credentials{{name, name}}, "LoadCredential=" + run_word(name));
    if (spec.general.accel == config::Accel::Kvm)
        b.flag("MemoryDenyWriteExecute", true);
    b.flag("NoNewPrivileges", true);
    b.add("RestrictNamespaces", U64{0}, "RestrictNamespaces=yes");  // no namespace type allowed
    b.flag("LockPersonality", true);
    b.flag("RestrictRealtime", true);
    b.flag("RestrictSUIDSGID", true);
    b.text("KeyringMode", "KeyringMode", "private");
    b.add("UMask", U32{0077}, "UMask=0077");
    b.filter("RestrictAddressFamilies", true, {"AF_UNIX", "AF_INET", "AF_INET6"});
    b.words("SystemCallArchitectures", {"native"});
    b.filter("SystemCallFilter", true, {"@system-service", "seccomp"});
    b.filter("SystemCallFilter", false, {"@privileged", "@resources"});
    b.add("SystemCallErrorNumber", I32{EPERM}, "SystemCallErrorNumber=EPERM");
    return bus::TransientUnit{transient_unit_name(vm.name), vm_exec_start(vm.name, plan.command, helper), std::move(b.properties)};
}

std::string systemd_run_command(const bus::TransientUnit& unit)
{
    std::vector<std::string> argv{"systemd-run", "--user", "--unit=" + unit.name};
    for (const auto& property : unit.properties)
        if (property.bus_name != "ExecStart")
            argv.insert(argv.end(), {"-p", property.unit_line});
    argv.emplace_back("--");
    for (const auto& arg : unit.exec_start)
        argv.push_back(bus::literal_dollars(arg));
    std::string line;
    for (const auto& arg : argv)
        line += (line.empty() ? "" : " ") + shell_quote(arg);
    return line;
}

}  // namespace ezkvm::units
