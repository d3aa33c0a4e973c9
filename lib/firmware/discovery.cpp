#include "firmware/discovery.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <system_error>

namespace ezkvm::firmware {

namespace fs = std::filesystem;

namespace {

bool is_descriptor_name(const std::string& name)
{
    return name.size() > 5 && name.front() != '.' && name.ends_with(".json");
}

// QEMU's convention for switching off a lower-precedence descriptor.
bool is_mask(const fs::directory_entry& entry)
{
    std::error_code ec;
    const auto status = entry.status(ec);
    if (ec)
        return false;
    if (fs::is_character_file(status))  // a link to /dev/null
        return true;
    return fs::is_regular_file(status) && entry.file_size(ec) == 0 && !ec;
}

}  // namespace

Sources system_sources(const std::string& root)
{
    return {root, {"/etc/qemu/firmware", "/usr/share/qemu/firmware"}};
}

Sources user_sources(const std::string& root, const std::string& xdg_config_home)
{
    Sources sources = system_sources(root);
    if (!xdg_config_home.empty())
        sources.directories.insert(sources.directories.begin(), xdg_config_home + "/qemu/firmware");
    return sources;
}

std::string under_root(const std::string& root, const std::string& path)
{
    if (root.empty() || root == "/")
        return path;
    std::string out = root;
    while (out.size() > 1 && out.back() == '/')
        out.pop_back();
    return out + path;
}

std::vector<FoundDescriptor> discover(const Sources& sources, Diagnostics& diags)
{
    // The first directory to claim a name keeps it; an empty claim is a mask.
    struct Claim {
        std::string host_path;
        std::string read_path;
    };
    std::map<std::string, Claim> claimed;
    for (const std::string& directory : sources.directories) {
        const std::string dir = under_root(sources.root, directory);
        std::error_code ec;
        fs::directory_iterator it(dir, ec);
        if (ec) {
            if (ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
                diags.warning(Pos{std::make_shared<const std::string>(directory)}, "",
                              fmt::format("cannot list firmware descriptors: {}", ec.message()));
            continue;
        }
        for (; it != fs::directory_iterator(); it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (!is_descriptor_name(name) || claimed.count(name))
                continue;
            claimed[name] = is_mask(*it) ? Claim{} : Claim{directory + "/" + name, it->path().string()};
        }
        if (ec)
            diags.warning(Pos{std::make_shared<const std::string>(directory)}, "",
                          fmt::format("cannot list firmware descriptors: {}", ec.message()));
    }

    std::vector<FoundDescriptor> found;
    for (auto& [name, claim] : claimed)
        if (!claim.read_path.empty())
            found.push_back({name, claim.host_path, claim.read_path});
    return found;
}

}  // namespace ezkvm::firmware
