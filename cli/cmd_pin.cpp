// ezkvm pin VM: writes the current machine version into the VM file (see
// config/pin_text.hpp), and the check behind it.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "base/text_file.hpp"
#include "cli/command.hpp"
#include "cli/host_capabilities.hpp"
#include "cli/machine_pin.hpp"
#include "cli/print_diagnostics.hpp"
#include "config/key_position.hpp"
#include "config/parse_internal.hpp"
#include "config/pin_text.hpp"

namespace ezkvm::cli {

std::optional<std::string> current_machine_version(const config::VmSpec& spec, const hostcaps::Capabilities* host)
{
    if (!host)
        return std::nullopt;
    const auto versions =
        host->machine_versions(spec.system.chipset.type == config::Chipset::Q35 ? "pc-q35-" : "pc-i440fx-");
    if (versions.empty())
        return std::nullopt;
    return versions.back();
}

void check_machine_pinned(const config::LoadedVm& vm, const hostcaps::Capabilities* host, Diagnostics& diags)
{
    const auto& chip = vm.spec.system.chipset;
    if (!chip.pin || !chip.version.empty())
        return;
    const auto current = current_machine_version(vm.spec, host);
    const std::string line = fmt::format("system: {{ chipset: {{ version: \"{}\" }} }}", current.value_or("X.Y"));
    diags.warning(config::position_of(vm.merged, "system.chipset"), "system.chipset.version",
                  "the machine version is not pinned: the next qemu upgrade changes the hardware this guest sees "
                  "(Windows may ask for its BitLocker key or reactivation)",
                  fmt::format("add to {}: {}, or run: ezkvm pin {}", vm.source, line, vm.name));
}

namespace {

struct PinOptions {
    std::string vm;
    std::string version;
};

// Through a new file renamed over the old one, with the old one's mode.
bool write_text(const std::string& path, const std::string& text)
{
    namespace fs = std::filesystem;
    const std::string temporary = path + ".ezkvm-pin";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!(out << text) || !out.flush())
            return false;
    }
    std::error_code ec;
    fs::permissions(temporary, fs::status(path, ec).permissions(), ec);
    fs::rename(temporary, path, ec);
    if (ec)
        fs::remove(temporary, ec);
    return !ec;
}

int pin(const PinOptions& opts, const GlobalOptions& global)
{
    const auto env = config::Environment::from_process(global.scope());
    Diagnostics diags;
    auto vm = config::load_vm(opts.vm, env, diags);
    print_diagnostics(std::cerr, diags);
    if (!vm || diags.has_errors())
        return exit_errors;
    if (!vm->spec.system.chipset.version.empty()) {
        std::cout << fmt::format("{}: the machine version is already pinned to {}\n", vm->source,
                                 vm->spec.system.chipset.version);
        return exit_ok;
    }
    auto version = opts.version.empty() ? current_machine_version(vm->spec, host_capabilities(env.scope))
                                        : std::optional(opts.version);
    if (!version) {
        std::cerr << "error: this host's qemu did not say which machine versions it has; name one: "
                     "ezkvm pin --version X.Y VM\n";
        return exit_errors;
    }
    const auto text = read_text_file(vm->source);
    if (!text) {
        std::cerr << fmt::format("error: cannot read {}\n", vm->source);
        return exit_errors;
    }
    auto pinned = config::pin_machine_version(*text, *version);
    if (!pinned) {
        std::cerr << fmt::format("error: {}: {}: system: {{ chipset: {{ version: \"{}\" }} }}\n", vm->source,
                                 pinned.error().message, *version);
        return exit_errors;
    }
    if (!write_text(vm->source, *pinned)) {
        std::cerr << fmt::format("error: cannot write {}\n", vm->source);
        return exit_errors;
    }
    std::cout << fmt::format("{}: machine version pinned to {}\n", vm->source, *version);
    return exit_ok;
}

}  // namespace

Action setup_pin(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<PinOptions>();
    app.add_option("vm", opts->vm, "VM name or file")->required();
    app.add_option("--version", opts->version, "The version to pin (default: the newest this host's qemu has)")
        ->check([](const std::string& v) {
            return config::detail::valid_machine_version(v) ? std::string() : "expected a version such as 7.2";
        });
    return [opts, &global] { return pin(*opts, global); };
}

}  // namespace ezkvm::cli
