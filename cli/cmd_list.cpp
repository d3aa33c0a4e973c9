// ezkvm list: every VM of the config directories with its state from systemd,
// and with --user the transient VMs started from a file (ezkvm --user start
// FILE) while they are loaded. Listing never fails because systemd cannot be
// reached: the state is then "unknown".
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bus/manager.hpp"
#include "cli/command.hpp"
#include "cli/unit_jobs.hpp"
#include "config/resolve.hpp"
#include "units/transient.hpp"
#include "units/unit_names.hpp"
#include "units/vm_units.hpp"
#include "base/json_text.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::cli {
namespace {

struct ListOptions {
    bool json = false;
};

struct Row {
    std::string name;
    std::string file;
    bool valid = false;
    std::string state = "unknown";
    std::string sub_state;
    std::string unit;
    bool autostart = false;
    uint64_t memory_mib = 0;
    unsigned cpus = 0;
    std::string display;
    bool transient = false;  // ezkvm --user start FILE, running as ezkvm-transient@<vm>.service
};

const char* display_name(config::DisplayType type)
{
    switch (type) {
    case config::DisplayType::None: return "none";
    case config::DisplayType::LookingGlass: return "looking_glass";
    case config::DisplayType::RemoteViewer: return "remote-viewer";
    case config::DisplayType::Spice: return "spice";
    case config::DisplayType::Vnc: return "vnc";
    case config::DisplayType::Gtk: return "gtk";
    case config::DisplayType::Sdl: return "sdl";
    }
    return "?";
}

Row row_of(const std::string& name, const std::string& real_path, const std::string& shown_path,
           const config::Environment& env)
{
    Row row;
    row.name = name;
    row.file = shown_path;
    row.unit = units::vm_unit_name(name);
    Diagnostics diags;
    const auto vm = config::load_vm_file(real_path, shown_path, env, diags);
    if (vm && !diags.has_errors()) {
        const auto& spec = vm->spec;
        row.valid = true;
        row.autostart = spec.general.autostart;
        row.memory_mib = spec.system.memory.mib;
        row.cpus = spec.system.cpu.sockets * spec.system.cpu.cores * spec.system.cpu.threads;
        row.display = display_name(spec.display.type);
    }
    return row;
}

// The VM file a transient unit runs (its EZKVM_VM_FILE=); "" when it does not say.
std::string transient_file(bus::Connection& bus, const std::string& unit)
{
    const auto environment = bus::service_environment(bus, unit);
    if (environment)
        for (const auto& setting : *environment)
            if (setting.starts_with("EZKVM_VM_FILE="))
                return setting.substr(setting.find('=') + 1);
    return {};
}

// Rows for the transient VMs that no installed VM file of the same name stands for.
void add_transient_rows(std::vector<Row>& rows, bus::Connection& bus, const config::Environment& env)
{
    const auto listed = bus::list_units(bus, {units::transient_unit_name("*")});
    if (!listed)
        return;
    for (const auto& unit : *listed) {
        const std::string name = unit.name.substr(unit.name.find('@') + 1, unit.name.rfind('.') - unit.name.find('@') - 1);
        if (std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.name == name; }))
            continue;
        const std::string file = transient_file(bus, unit.name);
        Row row = row_of(name, file, file, env);
        row.transient = true;
        row.unit = unit.name;
        row.state = unit.active_state;
        row.sub_state = unit.sub_state;
        rows.push_back(std::move(row));
    }
}

const bus::ListedUnit* find_listed(const std::vector<bus::ListedUnit>& listed, const std::string& unit)
{
    const auto it = std::find_if(listed.begin(), listed.end(), [&](const auto& u) { return u.name == unit; });
    return it == listed.end() ? nullptr : &*it;
}

// Whether systemd can only say "inactive" of a unit it has not loaded: the
// generator made its drop-in, and no file of the admin's replaces or masks the
// unit or its template. Asking it anyway would load (and unload) the unit.
bool plainly_inactive(const std::string& unit, Scope scope, const config::Environment& env)
{
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (scope == Scope::User && !runtime)
        return false;
    const std::string generated = scope == Scope::System ? "/run/systemd/generator" : std::string(runtime) + "/systemd/generator";
    std::error_code ec;
    if (!std::filesystem::exists(env.real(generated + "/" + unit + ".d/" + units::generated_dropin), ec))
        return false;
    const std::vector<std::string> admin_dirs =
        scope == Scope::System
            ? std::vector<std::string>{"/etc/systemd/system", "/run/systemd/system"}
            : std::vector<std::string>{xdg_config_home() + "/systemd/user", std::string(runtime) + "/systemd/user",
                                       "/etc/systemd/user"};
    const std::string template_unit = unit.substr(0, unit.find('@') + 1) + unit.substr(unit.rfind('.'));
    for (const auto& dir : admin_dirs)
        for (const auto& name : {unit, template_unit})
            if (std::filesystem::symlink_status(env.real(dir + "/" + name), ec).type() != std::filesystem::file_type::not_found)
                return false;
    return true;
}

// Every row's state: the loaded units in one call that loads nothing; the others
// are inactive, except where plainly_inactive cannot tell (no drop-in yet, a
// mask), which one more call asks systemd about. With --user, a VM started from
// a file runs as ezkvm-transient@<vm>.service: that one when it is loaded and
// the installed one is not.
void add_states(std::vector<Row>& rows, bus::Connection& bus, const config::Environment& env)
{
    const bool user = bus.scope() == Scope::User;
    std::vector<std::string> patterns{units::vm_unit_name("*")};
    if (user)
        patterns.push_back(units::transient_unit_name("*"));
    auto listed = bus::list_units(bus, patterns);
    if (!listed)
        return;  // "unknown"
    std::vector<std::string> ask;
    for (const auto& row : rows)
        if (!find_listed(*listed, row.unit) && !plainly_inactive(row.unit, bus.scope(), env))
            ask.push_back(row.unit);
    if (!ask.empty()) {
        const auto more = bus::list_units_by_names(bus, ask);
        if (!more)
            return;
        listed->insert(listed->end(), more->begin(), more->end());
    }
    for (auto& row : rows)
        if (!find_listed(*listed, row.unit))
            listed->push_back({row.unit, "loaded", "inactive", "dead"});
    for (auto& row : rows) {
        const auto* unit = find_listed(*listed, row.unit);
        if (user && !(unit && unit->loaded()))
            if (const auto* transient = find_listed(*listed, units::transient_unit_name(row.name)); transient && transient->loaded()) {
                unit = transient;
                row.unit = transient->name;
            }
        if (!unit)
            continue;
        row.state = unit->loaded() ? unit->active_state : unit->load_state;
        row.sub_state = unit->sub_state;
    }
}

std::string memory_text(uint64_t mib)
{
    if (mib >= 1024 && mib % 1024 == 0)
        return fmt::format("{}G", mib / 1024);
    return fmt::format("{}M", mib);
}

void print_table(const std::vector<Row>& rows)
{
    size_t width = 4;
    for (const auto& row : rows)
        width = std::max(width, row.name.size());
    std::cout << fmt::format("{:<{}}  {:<12} {:<9} {:>7} {:>4}  {}\n", "NAME", width, "STATE", "AUTOSTART",
                             "MEMORY", "CPUS", "DISPLAY");
    for (const auto& row : rows) {
        if (!row.valid && row.transient) {
            std::cout << fmt::format("{:<{}}  {:<12} {:<9} {:>7} {:>4}  {}\n", row.name, width, row.state, "-", "-",
                                     "-", "(transient, from " + (row.file.empty() ? "an unknown file" : row.file) + ")");
            continue;
        }
        if (!row.valid) {
            std::cout << fmt::format("{:<{}}  {:<12} {:<9} {:>7} {:>4}  {}\n", row.name, width, row.state, "-", "-",
                                     "-", "(invalid file: ezkvm check " + row.name + ")");
            continue;
        }
        std::cout << fmt::format("{:<{}}  {:<12} {:<9} {:>7} {:>4}  {}{}\n", row.name, width, row.state,
                                 row.autostart ? "yes" : "no", memory_text(row.memory_mib), row.cpus, row.display,
                                 row.transient ? "  (transient, from " + row.file + ")" : "");
    }
}

void print_json(const std::vector<Row>& rows)
{
    auto out = nlohmann::json::array();
    for (const auto& row : rows) {
        nlohmann::json item{{"name", row.name},   {"file", row.file},           {"valid", row.valid},
                            {"state", row.state}, {"transient", row.transient}};
        item["sub_state"] = row.sub_state.empty() ? nlohmann::json() : nlohmann::json(row.sub_state);
        item["unit"] = row.unit.empty() ? nlohmann::json() : nlohmann::json(row.unit);
        if (row.valid) {
            item["autostart"] = row.autostart;
            item["memory_mib"] = row.memory_mib;
            item["cpus"] = row.cpus;
            item["display"] = row.display;
        }
        out.push_back(std::move(item));
    }
    std::cout << json_text(out, 2) << '\n';
}

}  // namespace

Action setup_list(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<ListOptions>();
    app.add_flag("--json", opts->json, "A JSON array, one object per VM");
    return [opts, &global] {
        const auto env = config::Environment::from_process(global.scope());
        std::vector<Row> rows;
        for (const auto& file : config::find_vm_files(env))
            rows.push_back(row_of(file.name, env.real(file.path), file.path, env));
        auto bus = bus::Connection::open(global.scope());
        if (bus) {
            add_states(rows, bus.value(), env);
            if (global.scope() == Scope::User)
                add_transient_rows(rows, bus.value(), env);
        }
        if (opts->json)
            print_json(rows);
        else
            print_table(rows);
        return exit_ok;
    };
}

}  // namespace ezkvm::cli
