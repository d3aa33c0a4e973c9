// `ezkvm view VM`: runs the viewer the VM's display calls for (remote-viewer,
// looking-glass-client, a VNC viewer) as the invoking user, once qemu runs the
// guest. `--print` shows the command instead. The command lines themselves
// come from runtime/viewer_command (pure, unit-tested).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "base/text_file.hpp"
#include "cli/access.hpp"
#include "cli/print_diagnostics.hpp"
#include "cli/vm_target.hpp"
#include "config/resolve.hpp"
#include "runtime/qmp.hpp"
#include "runtime/viewer_command.hpp"
#include "base/shell_quote.hpp"
#include "base/suggest.hpp"

namespace ezkvm::cli {
namespace {

struct ViewOptions {
    std::string vm;
    bool print = false;
    unsigned timeout = 60;  // seconds to wait for the guest to run
};

std::string shell_line(const std::vector<std::string>& argv)
{
    std::string line;
    for (const auto& arg : argv)
        line += (line.empty() ? "" : " ") + shell_quote(arg);
    return line;
}

bool on_path(const std::string& program)
{
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0)
            return true;
    return false;
}

// Waits until qemu has left its start-up pause (wait-ready lets the guest run
// once its console is attached). A guest the user paused counts as ready.
bool wait_until_started(const VmTarget& vm, unsigned timeout_seconds)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    std::string status;
    for (;;) {
        Fd socket = connect_to_vm(vm, vm.paths.qmp(), "QMP socket");
        if (!socket)
            return false;
        runtime::QmpClient client(std::move(socket));
        if (client.handshake(std::chrono::seconds(10))) {
            const auto reply = client.execute("query-status");
            if (reply && reply->ok)
                status = reply->value.value("status", std::string());
            if (!status.empty() && status != "prelaunch" && status != "inmigrate")
                return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            std::cerr << fmt::format("ezkvm: VM '{}' did not start within {} s (QMP status: {})\n", vm.name,
                                     timeout_seconds, status.empty() ? "no answer" : status);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

// A private file for remote-viewer's connection file, which it deletes once read.
std::optional<std::string> write_connection_file(const std::string& text)
{
    const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
    std::string pattern = std::string(runtime_dir && *runtime_dir ? runtime_dir : "/tmp") + "/ezkvm-view-XXXXXX.vv";
    Fd fd(::mkostemps(pattern.data(), 3, O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        std::cerr << fmt::format("ezkvm: cannot write the viewer's connection file {}: {}\n", pattern,
                                 std::strerror(errno));
        if (fd)
            ::unlink(pattern.c_str());
        return std::nullopt;
    }
    return pattern;
}

int exec_viewer(const runtime::ViewerCommand& viewer)
{
    std::vector<std::string> argv = viewer.argv;
    std::optional<std::string> file;
    if (!viewer.connection_file.empty()) {
        file = write_connection_file(viewer.connection_file);
        if (!file)
            return exit_errors;
        argv = {viewer.argv[0], *file};
    }
    std::vector<char*> args;
    for (auto& arg : argv)
        args.push_back(arg.data());
    args.push_back(nullptr);
    std::cout.flush();
    ::execvp(args[0], args.data());
    std::cerr << fmt::format("ezkvm: cannot run {}: {}\n", argv[0], std::strerror(errno));
    if (file)
        ::unlink(file->c_str());
    return exit_errors;
}

int view(const ViewOptions& opts, const GlobalOptions& global)
{
    const auto vm = vm_target(opts.vm, global);
    if (!vm)
        return exit_usage;
    const auto env = config::Environment::from_process(global.scope());
    Diagnostics diags;
    const auto loaded = config::load_vm(vm->from_file ? opts.vm : vm->name, env, diags);
    print_diagnostics(std::cerr, diags);
    if (!loaded || diags.has_errors())
        return exit_errors;

    if (global.scope() == Scope::System && !may_reach_sockets(vm->paths)) {
        std::cerr << fmt::format("ezkvm: you cannot reach the display of VM '{}': its sockets in {} belong to the "
                                 "VM's user; {}\n",
                                 vm->name, vm->paths.runtime_dir, sockets_hint("view", vm->name));
        return exit_errors;
    }
    runtime::ViewerInput input{vm->name, &loaded->spec, vm->paths, std::nullopt};
    const std::string password_path = runtime::viewer_password_path(loaded->spec, vm->paths);
    if (!password_path.empty() && !opts.print) {
        input.password = read_text_file(password_path);
        if (!input.password)
            std::cerr << fmt::format("ezkvm: cannot read the display's password from {}: {}; the viewer will ask "
                                     "for it\n",
                                     password_path, std::strerror(errno));
    }
    const auto candidates = runtime::viewer_commands(input);
    if (!candidates) {
        std::cerr << "ezkvm: " << candidates.error().message << '\n';
        return exit_errors;
    }
    const runtime::ViewerCommand* chosen = nullptr;
    for (const auto& candidate : *candidates)
        if (!chosen && on_path(candidate.argv[0]))
            chosen = &candidate;

    if (opts.print) {
        const auto& shown = chosen ? *chosen : candidates->front();
        std::cout << shell_line(shown.argv) << '\n';
        if (!password_path.empty())
            std::cerr << fmt::format("ezkvm: the password is in {}; `ezkvm view` hands it to the viewer in a "
                                     "private connection file\n",
                                     password_path);
        return exit_ok;
    }
    if (!chosen) {
        std::vector<std::string> wanted;
        for (const auto& candidate : *candidates)
            wanted.push_back(fmt::format("{} (apt install {})", candidate.argv[0], candidate.package));
        std::cerr << fmt::format("ezkvm: no viewer for VM '{}' is installed: {}\n", vm->name, join(wanted, " or "));
        return exit_errors;
    }
    for (const auto& note : chosen->notes)
        std::cerr << "ezkvm: " << note << '\n';
    if (!wait_until_started(*vm, opts.timeout))
        return exit_errors;
    return exec_viewer(*chosen);
}

}  // namespace

Action setup_view(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<ViewOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    app.add_flag("--print", opts->print, "Print the viewer's command line instead of running it");
    app.add_option("--timeout", opts->timeout, "Seconds to wait for the VM to start running")->capture_default_str();
    app.footer("SPICE displays open in remote-viewer (package virt-viewer), looking_glass in looking-glass-client "
               "(package looking-glass-client), VNC in remote-viewer or vncviewer (tigervnc-viewer). A gtk or sdl "
               "display is a window of the session that runs the VM: there is nothing to view from elsewhere.");
    return [opts, &global] { return view(*opts, global); };
}

}  // namespace ezkvm::cli
