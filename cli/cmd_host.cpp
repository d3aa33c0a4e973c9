// ezkvm host: what the host probe found out about this host's qemu and KVM
// (hostcaps), from the cache or probed now.
#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "hostcaps/cache.hpp"

namespace ezkvm::cli {
namespace {

struct HostOptions {
    bool refresh = false;
    bool json = false;
};

std::string machine_summary(const hostcaps::Capabilities& caps)
{
    const auto versions = caps.machine_versions("pc-q35-");
    return versions.empty() ? "none" : fmt::format("{}", fmt::join(versions, " "));
}

void print_summary(const hostcaps::HostView& view, double seconds)
{
    const auto& caps = *view.caps;
    const auto& kvm = caps.kvm;
    std::cout << fmt::format("qemu: {} {}\n", hostcaps::qemu_binary, caps.qemu_version);
    std::cout << fmt::format("kvm: {}{}\n", hostcaps::describe(kvm.status),
                             kvm.problem.empty() ? "" : ": " + kvm.problem);
    std::cout << (kvm.runs_guests() ? "  VMs run under KVM (accel auto and kvm)\n"
                                    : "  VMs with accel auto run under TCG; VMs with accel kvm do not start\n");
    for (const auto& feature : kvm.features_off)
        std::cout << fmt::format("  quirk worked around: -cpu ...,-{} (KVM refuses qemu's value for it)\n", feature);
    if (!kvm.refused_hyperv.empty())
        std::cout << fmt::format("  Hyper-V enlightenments KVM refuses: {}\n", fmt::join(kvm.refused_hyperv, ", "));
    std::cout << fmt::format("q35 machine versions: {}\n", machine_summary(caps));
    std::cout << fmt::format("from: {}{}\n", view.source,
                             view.source == "probe" ? fmt::format(" ({:.2f} s)", seconds) : "");
}

}  // namespace

Action setup_host(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<HostOptions>();
    app.add_flag("--refresh", opts->refresh, "Probe again, even when the cache is current");
    app.add_flag("--json", opts->json, "The capabilities as JSON");
    return [opts, &global] {
        const auto started = std::chrono::steady_clock::now();
        const auto view = opts->refresh ? hostcaps::refreshed(global.scope()) : hostcaps::current(global.scope());
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (!view.note.empty())
            std::cerr << "ezkvm: note: " << view.note << '\n';
        if (!view.caps) {
            std::cerr << "ezkvm: nothing is known about this host" << (view.source.empty() ? "" : " (" + view.source + ")")
                      << '\n';
            return exit_errors;
        }
        if (opts->json)
            std::cout << hostcaps::to_json(*view.caps) << '\n';
        else
            print_summary(view, seconds);
        return exit_ok;
    };
}

}  // namespace ezkvm::cli
