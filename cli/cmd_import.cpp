// ezkvm import proxmox: a Proxmox VM config to an ezkvm VM file, printed or
// written (atomically, never over an existing file).
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "config/environment.hpp"
#include "import/importer.hpp"

namespace ezkvm::cli {
namespace {

struct ImportOptions {
    std::string config;
    std::string name;
    std::vector<std::string> storages;
    std::string output;
};

// Writes `text` to a new file next to `path`, then moves it there only if
// nothing is there yet (RENAME_NOREPLACE): no half-written or replaced file.
bool write_new_file(const std::string& path, const std::string& text, std::string& error)
{
    const auto dir = std::filesystem::path(path).parent_path();
    std::string tmp = (dir.empty() ? std::string(".") : dir.string()) + "/.ezkvm-import-XXXXXX";
    const int fd = mkstemp(tmp.data());
    if (fd < 0) {
        error = fmt::format("cannot create a file in {}: {}", dir.empty() ? "." : dir.string(), std::strerror(errno));
        return false;
    }
    bool ok = fchmod(fd, 0644) == 0;
    for (size_t done = 0; ok && done < text.size();) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        ok = n > 0;
        done += ok ? static_cast<size_t>(n) : 0;
    }
    ok = ok && fsync(fd) == 0;
    if (!ok)
        error = fmt::format("cannot write {}: {}", tmp, std::strerror(errno));
    close(fd);
    if (ok && renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
        error = errno == EEXIST ? fmt::format("{} exists already: remove it or choose another file", path)
                                : fmt::format("cannot write {}: {}", path, std::strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(tmp.c_str());
    return ok;
}

int run_import(const ImportOptions& opts, const GlobalOptions& global)
{
    import::Request request{opts.config, opts.name, {}};
    for (const auto& s : opts.storages) {
        std::string error;
        auto o = import::parse_storage_override(s, error);
        if (!o) {
            std::cerr << "ezkvm: " << error << '\n';
            return exit_usage;
        }
        request.storages.push_back(std::move(*o));
    }
    if (!opts.output.empty()) {
        const auto file = std::filesystem::path(opts.output);
        if (file.extension() != ".yaml") {
            std::cerr << fmt::format("ezkvm: -o {}: a VM file is named <vm>.yaml\n", opts.output);
            return exit_usage;
        }
        if (request.name.empty())
            request.name = file.stem().string();
        else if (request.name != file.stem().string()) {
            std::cerr << fmt::format("ezkvm: --name {} and -o {} disagree: the file name is the VM's name\n",
                                     request.name, opts.output);
            return exit_usage;
        }
    }
    const auto env = config::Environment::from_process(global.scope());
    const auto result = import::import_proxmox(request, env);
    // A failed import shows its errors only: its warnings come once it imports.
    for (const auto& m : result.messages.sorted())
        if (!result.yaml.empty() || m.level == import::Level::Error)
            std::cerr << m.str(opts.config) << '\n';
    if (result.yaml.empty()) {
        std::cerr << fmt::format("{}: not imported: {} error(s)\n", opts.config,
                                 result.messages.count(import::Level::Error));
        return exit_errors;
    }
    const std::string summary = fmt::format("{} warning(s), {} note(s)", result.messages.count(import::Level::Warning),
                                            result.messages.count(import::Level::Note));
    if (opts.output.empty()) {
        std::cout << result.yaml;
        std::cerr << fmt::format("{}: imported as {} ({})\n", opts.config, result.name, summary);
        return exit_ok;
    }
    std::string error;
    if (!write_new_file(opts.output, result.yaml, error)) {
        std::cerr << "ezkvm: " << error << '\n';
        return exit_errors;
    }
    std::cerr << fmt::format("{}: imported as {}, wrote {} ({})\n", opts.config, result.name, opts.output, summary);
    return exit_ok;
}

}  // namespace

Action setup_import(CLI::App& app, const GlobalOptions& global)
{
    auto opts = std::make_shared<ImportOptions>();
    app.require_subcommand(1);
    CLI::App* proxmox = app.add_subcommand("proxmox", "From a Proxmox VM config (/etc/pve/qemu-server/<vmid>.conf)");
    proxmox->add_option("config", opts->config, "The Proxmox VM config")->required();
    proxmox->add_option("--name", opts->name, "The VM's name (default: the config's name, or vm<vmid>)");
    proxmox->add_option("--storage", opts->storages,
                        "ID=PATH: where storage ID keeps its volumes (a directory laid out like a Proxmox dir "
                        "storage, or a prefix such as /dev/vg0); wins over /etc/pve/storage.cfg")
        ->allow_extra_args(false);
    proxmox->add_option("-o,--output", opts->output, "Write the VM file here (a new <vm>.yaml) instead of printing it");
    return [opts, &global] { return run_import(*opts, global); };
}

}  // namespace ezkvm::cli
