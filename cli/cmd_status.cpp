// ezkvm status VM: the unit's state from systemd, qemu's own run state and
// accelerator over QMP (running under KVM, paused...), the PIDs of qemu and
// swtpm, the VM's sockets and its uptime. What the user cannot reach (a system
// VM's QMP socket and runtime directory belong to the VM's user) is said as
// such; the state then comes from systemd alone. Exit status 0 when the VM
// runs, 3 when it does not (as systemctl status).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bus/manager.hpp"
#include "cli/access.hpp"
#include "cli/command.hpp"
#include "config/resolve.hpp"
#include "cli/unit_jobs.hpp"
#include "cli/vm_target.hpp"
#include "runtime/qmp.hpp"
#include "units/vm_units.hpp"
#include "base/json_text.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::cli {
namespace {

using namespace std::chrono_literals;

constexpr int exit_not_running = 3;

struct StatusOptions {
    std::string vm;
    bool json = false;
};

struct Status {
    std::string unit;
    bus::UnitState state;
    bool reachable = true;   // the VM's runtime directory (its sockets) is open to this user
    std::string qmp_status;  // "running", "paused", ...; "" when not asked
    std::string accelerator; // "KVM", "TCG"; "" when not known
    std::string qmp_error;
    uint32_t swtpm_pid = 0;
    std::vector<std::string> sockets;
    std::string sockets_error;
    std::optional<uint64_t> uptime_seconds;
};

// qemu's run state as QMP reports it.
void ask_qmp(Status& status, const VmPaths& paths)
{
    auto connected = runtime::connect_qmp(paths.qmp(), 2s);
    if (!connected) {
        status.qmp_error = connected.error().message;
        return;
    }
    const auto reply = connected->execute("query-status", nullptr, 5s);
    if (!reply || !reply->ok) {
        status.qmp_error = reply ? reply->error_desc : connected->error();
        return;
    }
    status.qmp_status = reply->value.value("status", std::string("unknown"));
    if (const auto kvm = connected->execute("query-kvm", nullptr, 5s); kvm && kvm->ok)
        status.accelerator = kvm->value.value("enabled", false) ? "KVM" : "TCG";
}

void find_sockets(Status& status, const VmPaths& paths)
{
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(paths.runtime_dir, ec))
        if (entry.is_socket())
            status.sockets.push_back(entry.path().string());
    if (ec)
        status.sockets_error = fmt::format("{}: {}", paths.runtime_dir, ec.message());
    std::sort(status.sockets.begin(), status.sockets.end());
}

std::string duration_text(uint64_t seconds)
{
    if (seconds >= 86400)
        return fmt::format("{}d {}h {}min", seconds / 86400, seconds % 86400 / 3600, seconds % 3600 / 60);
    if (seconds >= 3600)
        return fmt::format("{}h {}min", seconds / 3600, seconds % 3600 / 60);
    if (seconds >= 60)
        return fmt::format("{}min {}s", seconds / 60, seconds % 60);
    return fmt::format("{}s", seconds);
}

std::string time_text(uint64_t usec)
{
    const time_t t = static_cast<time_t>(usec / 1000000);
    tm local{};
    localtime_r(&t, &local);
    char text[64];
    std::strftime(text, sizeof text, "%a %Y-%m-%d %H:%M:%S %Z", &local);
    return text;
}

void print_text(const std::string& vm, const Status& s, const GlobalOptions& global)
{
    const auto& st = s.state;
    std::cout << fmt::format("{} - {}\n", vm, st.description.empty() ? s.unit : st.description);
    std::cout << fmt::format("     unit: {} ({})\n", s.unit, st.load_state);
    std::string state = fmt::format("{} ({})", st.active_state, st.sub_state);
    if (st.active_state == "active" && st.exec_main_start_usec)
        state += fmt::format(" since {}", time_text(st.exec_main_start_usec));
    if (st.active_state == "failed" && !st.result.empty())
        state += fmt::format(", result {}", st.result);
    std::cout << fmt::format("    state: {}\n", state);
    if (s.uptime_seconds)
        std::cout << fmt::format("   uptime: {}\n", duration_text(*s.uptime_seconds));
    const bool running = st.active_state == "active" || st.active_state == "reloading";
    if (!s.qmp_status.empty())
        std::cout << fmt::format("     qemu: {}{} (QMP)\n", s.qmp_status,
                                 s.accelerator.empty() ? "" : " under " + s.accelerator);
    else if (running && !s.reachable)
        std::cout << fmt::format("     qemu: running as far as systemd knows; its own state and accelerator "
                                 "are for root and the VM's user, whose QMP socket it is ({})\n",
                                 sockets_hint("status", vm));
    else if (!s.qmp_error.empty())
        std::cout << fmt::format("     qemu: QMP not reachable: {}\n", s.qmp_error);
    if (st.main_pid)
        std::cout << fmt::format("     PIDs: qemu {}{}\n", st.main_pid,
                                 s.swtpm_pid ? fmt::format(", swtpm {}", s.swtpm_pid) : "");
    if (st.n_restarts)
        std::cout << fmt::format(" restarts: {}\n", st.n_restarts);
    for (size_t i = 0; i < s.sockets.size(); ++i)
        std::cout << (i == 0 ? "  sockets: " : "           ") << s.sockets[i] << '\n';
    if (running && !s.reachable)
        std::cout << fmt::format("  sockets: in {}, which only the VM's user and root can enter\n",
                                 vm_paths(vm, global.scope()).runtime_dir);
    else if (!s.sockets_error.empty() && running)
        std::cout << fmt::format("  sockets: not readable: {}\n", s.sockets_error);
}

void print_json(const std::string& vm, const Status& s)
{
    const auto& st = s.state;
    auto optional_number = [](uint64_t n) { return n ? nlohmann::json(n) : nlohmann::json(); };
    nlohmann::json out{
        {"name", vm},
        {"unit", s.unit},
        {"load_state", st.load_state},
        {"active_state", st.active_state},
        {"sub_state", st.sub_state},
        {"result", st.result},
        {"qemu_pid", optional_number(st.main_pid)},
        {"swtpm_pid", optional_number(s.swtpm_pid)},
        {"n_restarts", st.n_restarts},
        {"started_usec", optional_number(st.exec_main_start_usec)},
        {"uptime_seconds", s.uptime_seconds ? nlohmann::json(*s.uptime_seconds) : nlohmann::json()},
        {"qmp_status", s.qmp_status.empty() ? nlohmann::json() : nlohmann::json(s.qmp_status)},
        {"accelerator", s.accelerator.empty() ? nlohmann::json() : nlohmann::json(s.accelerator)},
        {"sockets_reachable", s.reachable},
        {"sockets", s.sockets},
    };
    std::cout << json_text(out, 2) << '\n';
}

}  // namespace

Action setup_status(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<StatusOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    app.add_flag("--json", opts->json, "One JSON object");
    return [opts, &global] {
        const auto vm = vm_name_of(opts->vm, global);
        if (!vm)
            return exit_usage;
        auto bus = connect(global);
        if (!bus)
            return exit_errors;
        Status status;
        status.unit = vm_unit(*bus, *vm);
        auto state = bus::unit_state(*bus, status.unit);
        if (!state) {
            print_bus_error(state.error(), status.unit);
            return exit_errors;
        }
        status.state = state.value();
        const auto names = vm_names(global.scope());
        if (!status.state.loaded() && !config::is_file_argument(opts->vm) &&
            std::find(names.begin(), names.end(), *vm) == names.end()) {
            std::cerr << fmt::format("ezkvm: there is no VM '{}' ({} is not loaded: `ezkvm{} list` shows the VMs)\n",
                                     *vm, status.unit, global.user ? " --user" : "");
            return exit_errors;
        }
        const VmPaths paths = vm_paths(*vm, global.scope());
        const bool running = status.state.active_state == "active" || status.state.active_state == "reloading";
        status.reachable = may_reach_sockets(paths);
        if (running) {
            if (status.reachable)
                ask_qmp(status, paths);
            if (const auto swtpm = bus::unit_state(*bus, units::swtpm_service_name(*vm)); swtpm && swtpm->loaded())
                status.swtpm_pid = swtpm->main_pid;
            if (status.state.exec_main_start_usec) {
                const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
                if (static_cast<uint64_t>(now) > status.state.exec_main_start_usec)
                    status.uptime_seconds = (now - status.state.exec_main_start_usec) / 1000000;
            }
        }
        if (status.reachable)
            find_sockets(status, paths);
        if (opts->json)
            print_json(*vm, status);
        else
            print_text(*vm, status, global);
        return running ? exit_ok : exit_not_running;
    };
}

}  // namespace ezkvm::cli
