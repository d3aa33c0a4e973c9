// ezkvm logs VM [-f] [-n N]: the VM unit's journal (qemu, the helpers and the
// guest's serial console), read with sd-journal as `journalctl -u` would. A
// system VM's journal is for root and the journal's reader groups: anyone
// else is told so (exit 1) rather than shown nothing.
#include <iostream>
#include <unistd.h>

#include "bus/journal.hpp"
#include <fmt/format.h>

#include "cli/access.hpp"
#include "cli/command.hpp"
#include "cli/unit_jobs.hpp"
#include "cli/vm_target.hpp"
#include "units/transient.hpp"
#include "units/vm_units.hpp"

namespace ezkvm::cli {
namespace {

// -f without -n shows the last lines first, as journalctl -f does.
constexpr unsigned follow_default_lines = 10;
constexpr unsigned all_lines = static_cast<unsigned>(-1);

struct LogsOptions {
    std::string vm;
    bool follow = false;
    std::optional<unsigned> lines;
};

// The unit's name without asking systemd when no bus is reachable (the journal needs none).
std::string unit_name(const std::string& vm, const GlobalOptions& global)
{
    auto bus = bus::Connection::open(global.scope());
    return bus ? vm_unit(bus.value(), vm) : units::vm_unit_name(vm);
}

}  // namespace

Action setup_logs(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<LogsOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    app.add_flag("-f,--follow", opts->follow, "Keep printing new lines as they come");
    app.add_option("-n,--lines", opts->lines, "Only the last N lines");
    return [opts, &global] {
        const auto vm = vm_name_of(opts->vm, global);
        if (!vm)
            return exit_usage;
        const bus::JournalQuery query{unit_name(*vm, global), global.scope(), ::getuid()};
        if (global.scope() == Scope::System && !may_read_system_journal()) {
            std::cerr << fmt::format("ezkvm: you cannot read the journal of {}: system units' lines are for root "
                                     "and members of group systemd-journal or adm (sudo usermod -aG "
                                     "systemd-journal $USER), or use sudo\n",
                                     query.unit);
            return exit_errors;
        }
        if (opts->follow) {
            const auto followed = bus::journal_follow(query, opts->lines.value_or(follow_default_lines),
                                                      [](const std::string& line) {
                                                          std::cout << line << std::endl;
                                                          return static_cast<bool>(std::cout);
                                                      });
            if (!followed) {
                std::cerr << "ezkvm: " << followed.error().message << '\n';
                return exit_errors;
            }
            return exit_ok;
        }
        const auto lines = bus::journal_tail(query, opts->lines.value_or(all_lines));
        if (!lines) {
            std::cerr << "ezkvm: " << lines.error().message << '\n';
            return exit_errors;
        }
        for (const auto& line : *lines)
            std::cout << line << '\n';
        if (lines->empty() && global.scope() == Scope::User)
            std::cerr << "ezkvm: no journal entries of " << query.unit
                      << " (a user's own journal needs persistent storage: Storage=persistent in journald.conf; "
                         "until then root sees them with journalctl _SYSTEMD_USER_UNIT=...)\n";
        else if (lines->empty())
            std::cerr << "ezkvm: no journal entries of " << query.unit << " yet\n";
        return exit_ok;
    };
}

}  // namespace ezkvm::cli
