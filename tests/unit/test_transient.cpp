// units::transient_vm_unit: a VM file as a transient user unit and its systemd-run line.
#include "parse_fixture.hpp"

#include <algorithm>

#include "units/transient.hpp"

using namespace ezkvm;
using namespace ezkvm::units;
using namespace ezkvm::bus;

namespace {

config::LoadedVm loaded(const std::string& name, std::string_view yaml)
{
    return parse_test::loaded_vm(name, yaml, "/home/al/vms");
}

std::vector<std::string> lines_of(const TransientUnit& unit)
{
    std::vector<std::string> lines;
    for (const auto& p : unit.properties)
        lines.push_back(p.unit_line);
    return lines;
}

const TransientProperty& property(const TransientUnit& unit, const std::string& name)
{
    auto it = std::find_if(unit.properties.begin(), unit.properties.end(),
                           [&](const auto& p) { return p.bus_name == name; });
    REQUIRE(it != unit.properties.end());
    return *it;
}

constexpr const char* helper = "/usr/libexec/ezkvm/ezkvm-helper";

}  // namespace

TEST_CASE("a transient unit has the shipped user unit's commands and the drop-in's settings")
{
    const auto vm = loaded("desk", R"(
general: { description: "My $HOME \"desk\"", stop_timeout: 20 }
system: { bios: { type: seabios } }
)");
    planner::Plan plan;
    plan.command.argv = {"/usr/bin/qemu-system-x86_64", "-name", "guest=desk", "-drive", "file=/srv/a b$x.img"};
    plan.command.host_paths = {{"/srv/a b$x.img", true}};
    Diagnostics diags;
    const auto unit = transient_vm_unit(vm, plan, "/home/al/vms/desk.yaml", helper, diags);
    REQUIRE(unit);
    CHECK(unit->name == "ezkvm-transient@desk.service");
    const auto lines = lines_of(*unit);
    for (const char* expected : {
             "Description=ezkvm VM desk: My $HOME \"desk\"",
             "RequiresMountsFor=\"/srv/a b$x.img\"",
             "Type=simple",
             "KillMode=mixed",
             "Environment=EZKVM_VM_FILE=/home/al/vms/desk.yaml",
             "Environment=EZKVM_HOST_FINGERPRINT=none",
             "Wants=ezkvm-host-probe.service",
             "After=ezkvm-host-probe.service",
             "ExecStartPre=/usr/libexec/ezkvm/ezkvm-helper --user prepare desk",
             "ExecStart=/usr/bin/qemu-system-x86_64 -S -name guest=desk -drive \"file=/srv/a b$$x.img\"",
             "ExecStartPost=/usr/libexec/ezkvm/ezkvm-helper --user wait-ready desk",
             "ExecStop=-/usr/libexec/ezkvm/ezkvm-helper --user stop desk",
             "TimeoutStartSec=300",
             "TimeoutStopSec=50",
             "UMask=0077",
             "SystemCallFilter=@system-service seccomp",
             "SystemCallFilter=~@privileged @resources",
             "SystemCallErrorNumber=EPERM",
         })
        CHECK(std::count(lines.begin(), lines.end(), expected) == 1);
    // On the bus: the argv as given; '$' doubled because systemd expands variables in commands.
    const auto& start = std::get<ExecCommands>(property(*unit, "ExecStart").value);
    REQUIRE(start.size() == 1);
    CHECK(start[0].argv.back() == "file=/srv/a b$x.img");
    CHECK(std::get<U64>(property(*unit, "TimeoutStopUSec").value).value == 50'000'000);
    CHECK(std::get<FilterList>(property(*unit, "RestrictAddressFamilies").value).allow);
    CHECK(literal_dollars("a$b$$") == "a$$b$$$$");

    const std::string run = systemd_run_command(*unit);
    CHECK(run.starts_with("systemd-run --user --unit=ezkvm-transient@desk.service -p "
                          "'Description=ezkvm VM desk: My $HOME \"desk\"' "));
    CHECK(run.find("-p 'ExecStartPre=/usr/libexec/ezkvm/ezkvm-helper --user prepare desk'") != std::string::npos);
    CHECK(run.find("ExecStart=") == std::string::npos);  // the command comes last, after --
    CHECK(run.ends_with(" -- /usr/bin/qemu-system-x86_64 -S -name guest=desk -drive 'file=/srv/a b$$x.img'"));
}

TEST_CASE("a VM with a software TPM cannot be transient")
{
    const auto vm = loaded("tpm", "system: { tpm: { type: swtpm } }\n");
    Diagnostics diags;
    CHECK_FALSE(transient_vm_unit(vm, planner::Plan{}, "/home/al/vms/tpm.yaml", helper, diags));
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].str().starts_with("/home/al/vms/tpm.yaml: error: system.tpm: a VM with a software TPM"));
}

TEST_CASE("a VM with a NIC other than user-mode cannot be transient")
{
    const auto vm = loaded("net", "network:\n  - { type: passt }\n");
    Diagnostics diags;
    CHECK_FALSE(transient_vm_unit(vm, planner::Plan{}, "/home/al/vms/net.yaml", helper, diags));
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].str().starts_with("/home/al/vms/net.yaml: error: network: only user-mode NICs"));
}
