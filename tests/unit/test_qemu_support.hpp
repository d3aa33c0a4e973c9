#pragma once
// Helpers for the lib/qemu tests: a plan input with fixed paths and firmware,
// and a reader that splits qemu option strings the way qemu does (",," is a
// literal comma), so tests check properties, not string layout.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qemu/drive_format.hpp"
#include "qemu/command.hpp"

namespace ezkvm::qemu::test {

inline firmware::Firmware fake_ovmf()
{
    firmware::Firmware fw;
    fw.type = config::FirmwareType::Ovmf;
    fw.descriptor = "/usr/share/qemu/firmware/60-edk2-x86_64.json";
    fw.code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
    fw.vars_template = "/usr/share/OVMF/OVMF_VARS_4M.fd";
    fw.vars_size = 540672;
    return fw;
}

inline config::VmSpec base_spec(const std::string& name = "testvm")
{
    config::VmSpec spec;
    spec.general.name = name;
    return spec;
}

struct Built {
    Command command;
    Diagnostics diags;
    const std::vector<std::string>& argv() const { return command.argv; }
};

inline Built build(const config::VmSpec& spec, std::optional<firmware::Firmware> fw = fake_ovmf(),
                   FormatProbe probe = {}, AccelChoice accel = {})
{
    CommandInput input;
    input.accel = std::move(accel);
    input.spec = &spec;
    input.paths = VmPaths{"/run/ezkvm/" + spec.general.name, "/var/lib/ezkvm/" + spec.general.name,
                          "/run/credentials/ezkvm@" + spec.general.name + ".service"};
    input.firmware = std::move(fw);
    input.probe_format = std::move(probe);
    Built b;
    b.command = build_command(input, b.diags);
    return b;
}

// The host paths of the command, as named.
inline std::vector<std::string> host_paths(const Built& b)
{
    std::vector<std::string> paths;
    for (const auto& used : b.command.host_paths)
        paths.push_back(used.path);
    return paths;
}

// How often the command records `path` among its host paths.
inline long uses(const Built& b, const std::string& path)
{
    const auto paths = host_paths(b);
    return std::count(paths.begin(), paths.end(), path);
}

// Every value that follows `option` in argv.
inline std::vector<std::string> values(const std::vector<std::string>& argv, const std::string& option)
{
    std::vector<std::string> out;
    for (size_t i = 0; i + 1 < argv.size(); ++i)
        if (argv[i] == option)
            out.push_back(argv[i + 1]);
    return out;
}

inline bool has(const std::vector<std::string>& argv, const std::string& option, const std::string& value)
{
    for (const auto& v : values(argv, option))
        if (v == value)
            return true;
    return false;
}

// A qemu option string split into the leading word and its properties.
struct Parsed {
    std::string head;  // the bare first item ("virtio-blk-pci"), "" when it is key=value
    std::vector<std::pair<std::string, std::string>> props;

    std::optional<std::string> get(const std::string& key) const
    {
        for (const auto& [k, v] : props)
            if (k == key)
                return v;
        return std::nullopt;
    }
    size_t count(const std::string& key) const
    {
        size_t n = 0;
        for (const auto& p : props)
            n += p.first == key;
        return n;
    }
};

inline Parsed parse(const std::string& text)
{
    std::vector<std::string> items(1);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ',' && i + 1 < text.size() && text[i + 1] == ',') {
            items.back() += ',';
            ++i;
        } else if (text[i] == ',') {
            items.emplace_back();
        } else {
            items.back() += text[i];
        }
    }
    Parsed p;
    for (size_t i = 0; i < items.size(); ++i) {
        const auto eq = items[i].find('=');
        if (eq == std::string::npos) {
            if (i == 0)
                p.head = items[i];
            else
                p.props.emplace_back(items[i], "");
        } else {
            p.props.emplace_back(items[i].substr(0, eq), items[i].substr(eq + 1));
        }
    }
    return p;
}

// All -device values parsed; `driver` filters by the leading word.
inline std::vector<Parsed> devices(const std::vector<std::string>& argv, const std::string& driver = "")
{
    std::vector<Parsed> out;
    for (const auto& v : values(argv, "-device")) {
        Parsed p = parse(v);
        if (driver.empty() || p.head == driver)
            out.push_back(std::move(p));
    }
    return out;
}

inline bool has_error(const Diagnostics& diags, const std::string& fragment)
{
    for (const auto& d : diags.items())
        if (d.severity == Severity::Error && d.message.find(fragment) != std::string::npos)
            return true;
    return false;
}

}  // namespace ezkvm::qemu::test
