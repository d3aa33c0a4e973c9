// ezkvm-generator: systemd.generator(7) turning /etc/ezkvm/*.yaml (user mode:
// $XDG_CONFIG_HOME/ezkvm/*.yaml) into drop-ins for the shipped ezkvm@.service
// and autostart links. Reads files, writes files, nothing else. A bad VM file
// is logged and skipped, never stopping the others; the exit status says
// whether any was bad.
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/host_check.hpp"
#include "config/resolve.hpp"
#include "generator/log.hpp"
#include "generator/write.hpp"
#include "hostcaps/cache.hpp"
#include "units/generate.hpp"

using namespace ezkvm;
using generator::Log;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

constexpr const char* usage = "usage: ezkvm-generator NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
                              "       ezkvm-generator --dry-run [DIR...]\n";

struct Arguments {
    bool dry_run = false;
    std::string output_dir;
};

std::optional<Arguments> parse_arguments(const std::vector<std::string_view>& args)
{
    Arguments parsed;
    if (!args.empty() && args[0] == "--dry-run") {
        parsed.dry_run = true;
        return args.size() <= 4 ? std::optional(parsed) : std::nullopt;
    }
    if (args.size() != 1 && args.size() != 3)
        return std::nullopt;
    parsed.output_dir = args[0];
    return parsed;
}

// systemd 251+ tells generators whether they run for the system or a user manager.
std::optional<Scope> scope_from_environment(const Log& log)
{
    const char* value = std::getenv("SYSTEMD_SCOPE");
    const std::string_view scope = value ? value : "system";
    if (scope == "system")
        return Scope::System;
    if (scope == "user")
        return Scope::User;
    log.error("SYSTEMD_SCOPE={} is neither 'system' nor 'user'", scope);
    return std::nullopt;
}

// The units of one VM file; nullopt (after logging why) when the file is bad.
std::optional<std::vector<units::GeneratedFile>> vm_files(const config::VmFile& file, const config::Environment& env,
                                                          const units::UnitSettings& settings,
                                                          const hostcaps::Capabilities* host, const Log& log)
{
    Diagnostics diags;
    auto vm = config::load_vm_file(env.real(file.path), file.path, env, diags);
    std::optional<std::vector<units::GeneratedFile>> files;
    if (vm && !diags.has_errors()) {
        checks::check_host(*vm, env, HostProblems::Warnings, diags);
        files = units::generate_vm_units(*vm, env, settings, host, diags);
    }
    log.diagnostics(diags);
    if (!files)
        log.error("{}: no units for VM '{}': the file has errors", file.path, file.name);
    return files;
}

bool write_files(generator::OutputDir& out, const std::vector<units::GeneratedFile>& files, const Log& log)
{
    bool ok = true;
    for (const auto& file : files) {
        if (auto written = out.write_exclusive(file); !written) {
            log.error("{}", written.error().message);
            ok = false;
        } else {
            log.debug("wrote {}", file.path);
        }
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv)
{
    const auto args = parse_arguments(std::vector<std::string_view>(argv + 1, argv + argc));
    if (!args) {
        std::cerr << usage;
        return exit_usage;
    }
    const Log log = Log::from_environment(args->dry_run);
    const auto scope = scope_from_environment(log);
    if (!scope)
        return exit_failed;
    const auto env = config::Environment::from_process(*scope);
    const auto settings = units::installed_settings(*scope);
    const auto files = config::find_vm_files(env);
    log.debug("{} VM file(s) in {}", files.size(), env.real(env.config_dirs.front()));
    // Only what a probe found earlier: a generator runs no qemu (and /dev/kvm may not exist yet).
    const auto host = hostcaps::cached_for_boot(*scope);
    log.debug("host capabilities: {}", host.caps ? host.source : host.note);
    const hostcaps::Capabilities* caps = host.caps ? &*host.caps : nullptr;
    const auto probe_dropin = units::host_probe_dropin(caps);
    bool probe_dropin_written = true;
    size_t bad = 0;
    std::vector<units::GeneratedFile> listing;
    std::optional<generator::OutputDir> out;
    if (args->dry_run) {
        listing.push_back(probe_dropin);
    } else {
        out.emplace(args->output_dir);
        probe_dropin_written = write_files(*out, {probe_dropin}, log);
    }
    for (const auto& file : files) {
        auto generated = vm_files(file, env, settings, caps, log);
        if (!generated)
            ++bad;
        else if (args->dry_run)
            listing.insert(listing.end(), std::make_move_iterator(generated->begin()),
                           std::make_move_iterator(generated->end()));
        else if (!write_files(*out, *generated, log))
            ++bad;
    }
    if (args->dry_run)
        std::cout << units::render_listing(listing);
    if (bad)
        log.error("{} of {} VM file(s) skipped or incomplete", bad, files.size());
    return bad || !probe_dropin_written ? exit_failed : exit_ok;
}
