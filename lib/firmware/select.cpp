#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <map>
#include <sstream>

#include "firmware/descriptor.hpp"
#include "firmware/discovery.hpp"
#include "firmware/firmware.hpp"
#include "firmware/machine.hpp"

namespace ezkvm::firmware {

namespace {

namespace fs = std::filesystem;
using config::FirmwareType;

struct Candidate {
    FoundDescriptor file;
    Descriptor descriptor;
};

Pos file_pos(const std::string& path) { return Pos{std::make_shared<const std::string>(path)}; }

// The file's text; an error says why not (strerror, with no path: the caller names the file).
Result<std::string> read_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error{std::strerror(errno), errno};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return Error{"read error", EIO};
    return text.str();
}

// Every descriptor in force, in priority order; broken ones are skipped with a warning.
std::vector<Candidate> read_candidates(const Sources& sources, Diagnostics& diags)
{
    std::vector<Candidate> out;
    for (FoundDescriptor& file : discover(sources, diags)) {
        const auto text = read_text(file.read_path);
        auto descriptor = text ? parse_descriptor(*text) : Result<Descriptor>(text.error());
        if (!descriptor) {
            diags.warning(file_pos(file.host_path), "",
                          fmt::format("ignoring firmware descriptor: {}", descriptor.error().message));
            continue;
        }
        out.push_back({std::move(file), std::move(*descriptor)});
    }
    return out;
}

// The generator plans every VM in one process: descriptors are read once per
// set of sources, and their warnings repeated for each VM that uses them.
const std::vector<Candidate>& load_candidates(const Sources& sources, Diagnostics& diags)
{
    struct Cached {
        std::vector<Candidate> candidates;
        Diagnostics warnings;
    };
    static std::map<std::string, Cached> cache;
    const std::string key = sources.root + '\n' + fmt::format("{}", fmt::join(sources.directories, "\n"));
    auto it = cache.find(key);
    if (it == cache.end()) {
        Cached entry;
        entry.candidates = read_candidates(sources, entry.warnings);
        it = cache.emplace(key, std::move(entry)).first;
    }
    diags.append(it->second.warnings);
    return it->second.candidates;
}

// How well a descriptor fits the VM: nullopt when it does not, lower is better.
std::optional<int> rank(const Descriptor& d, const config::System& system)
{
    if (!supports_machine(d, system.chipset))
        return std::nullopt;
    const config::Bios& bios = system.bios;
    if (bios.type == FirmwareType::Seabios) {
        if (d.has_interface("bios") && (d.device == "memory" || d.device == "flash"))
            return 0;
        return std::nullopt;
    }
    // OVMF runs from read-only code flash plus a per-VM copy of the vars template.
    if (!d.has_interface("uefi") || d.device != "flash" || d.mode != "split" || !d.nvram_template)
        return std::nullopt;
    const bool secure = d.has_feature("secure-boot");
    const bool enrolled = d.has_feature("enrolled-keys");
    if (bios.secure_boot)
        return secure && enrolled ? std::optional<int>(0) : std::nullopt;
    // Enrolled keys would enforce secure boot. Distributions sort the secure
    // builds first (Debian: 40-secure-enrolled, 50-secure, 60-plain), so the
    // plain build has to be preferred explicitly.
    if (enrolled)
        return std::nullopt;
    return secure ? 1 : 0;
}

// Like the descriptors, the files they name are looked at once per process.
uint64_t shared_file_size(const std::string& path, std::error_code& ec)
{
    static std::map<std::string, std::pair<uint64_t, std::error_code>> known;
    auto it = known.find(path);
    if (it == known.end()) {
        std::error_code error;
        const uint64_t size = fs::file_size(path, error);
        it = known.emplace(path, std::pair(size, error)).first;
    }
    ec = it->second.second;
    return it->second.first;
}

// The size of a file the firmware needs, or nullopt (with a warning) when it is missing.
std::optional<uint64_t> required_file_size(const Candidate& c, const std::string& path, const std::string& root,
                                           Diagnostics& diags)
{
    std::error_code ec;
    const uint64_t size = shared_file_size(under_root(root, path), ec);
    if (ec) {
        diags.warning(file_pos(c.file.host_path), "",
                      fmt::format("ignoring firmware descriptor: {}: {}", path, ec.message()));
        return std::nullopt;
    }
    return size;
}

std::optional<Firmware> to_firmware(const Candidate& c, const config::Bios& bios, const std::string& root,
                                    Diagnostics& diags)
{
    const Descriptor& d = c.descriptor;
    Firmware fw;
    fw.type = bios.type;
    fw.descriptor = c.file.host_path;
    fw.code = d.executable.filename;
    fw.code_format = d.executable.format;
    if (!required_file_size(c, fw.code, root, diags))
        return std::nullopt;
    if (d.nvram_template) {
        fw.vars_template = d.nvram_template->filename;
        fw.vars_format = d.nvram_template->format;
        std::optional<uint64_t> size = required_file_size(c, fw.vars_template, root, diags);
        if (!size)
            return std::nullopt;
        fw.vars_size = *size;
    }
    fw.secure_boot = bios.secure_boot;
    fw.requires_smm = d.has_feature("requires-smm");
    return fw;
}

std::string searched(const Sources& sources) { return fmt::format("{}", fmt::join(sources.directories, ", ")); }

// Settings no firmware can satisfy, whatever is installed.
bool impossible(const config::System& system, Diagnostics& diags, const Pos& pos)
{
    if (!system.bios.secure_boot)
        return false;
    if (system.bios.type == FirmwareType::Seabios) {
        diags.error(pos, "system.bios.secure_boot", "secure boot needs UEFI firmware", "set bios type: ovmf");
        return true;
    }
    if (system.chipset.type != config::Chipset::Q35) {
        diags.error(pos, "system.bios.secure_boot",
                    "secure boot needs the q35 chipset: the secure boot OVMF build does not start on i440fx",
                    "set chipset type: q35, or secure_boot: no");
        return true;
    }
    return false;
}

}  // namespace

std::optional<Firmware> select(const config::VmSpec& spec, const Sources& sources, Diagnostics& diags,
                               const Pos& pos)
{
    const config::System& system = spec.system;
    if (impossible(system, diags, pos))
        return std::nullopt;

    std::vector<std::pair<int, const Candidate*>> fitting;
    const std::vector<Candidate>& candidates = load_candidates(sources, diags);
    for (const Candidate& c : candidates)
        if (std::optional<int> r = rank(c.descriptor, system))
            fitting.emplace_back(*r, &c);
    std::stable_sort(fitting.begin(), fitting.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });

    for (const auto& [r, candidate] : fitting)
        if (std::optional<Firmware> fw = to_firmware(*candidate, system.bios, sources.root, diags))
            return fw;

    if (system.bios.type == FirmwareType::Seabios) {
        // Debian ships no SeaBIOS descriptor: qemu then loads its built-in default.
        Firmware builtin;
        builtin.type = FirmwareType::Seabios;
        return builtin;
    }
    const char* need = system.bios.secure_boot ? "UEFI firmware with secure boot and enrolled keys"
                                               : "UEFI firmware without enrolled secure boot keys";
    diags.error(pos, "system.bios",
                fmt::format("no {} for {} in {}", need, machine_type(system.chipset), searched(sources)),
                "install the ovmf package");
    return std::nullopt;
}

}  // namespace ezkvm::firmware
