#include "units/file_access.hpp"

#include <algorithm>

#include "units/unit_names.hpp"

namespace ezkvm::units {
namespace {

bool under(const std::string& path, const std::string& dir)
{
    return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

// ProtectHome=yes hides these.
bool in_home(const std::string& path)
{
    return under(path, "/home") || under(path, "/root") || under(path, "/run/user");
}

template <typename T>
void add_once(std::vector<T>& items, T item)
{
    if (std::find(items.begin(), items.end(), item) == items.end())
        items.push_back(std::move(item));
}

}  // namespace

void FileAccess::use(const std::string& path, bool writable)
{
    const std::string normal = normalize_path(path);
    if (is_device_path(normal)) {
        const std::string node = escape_word(normal);
        auto known = std::find_if(devices_.begin(), devices_.end(), [&](const auto& d) { return d.first == node; });
        if (known == devices_.end())
            devices_.emplace_back(node, writable ? "rw" : "r");
        else if (writable)
            known->second = "rw";
        return;
    }
    if (under(normal, "/dev"))
        return;  // /dev/shm: neither a device nor read-only
    if (in_home(normal))
        in_home_ = true;
    if (!writable)
        return;
    for (const auto& dir : writable_dirs_)
        if (under(normal, normalize_path(dir)))
            return;
    // A system directory stays read-only: the file alone is granted (bind-mounted,
    // so an image replaced by rename is seen at the next start).
    const std::string dir = parent_directory(normal);
    add_once(read_write_paths_, is_system_directory(dir) ? normal : dir);
}

void FileAccess::use_device_class(const std::string& name)
{
    add_once(devices_, std::pair<std::string, std::string>(name, "rw"));
}

void FileAccess::add_to(UnitFile& unit, std::string_view section) const
{
    for (const auto& [node, mode] : devices_)
        unit.add(section, "DeviceAllow", node + " " + mode);
    // "-": a missing directory or file is reported by qemu naming the file, not as a namespace failure.
    for (const auto& path : read_write_paths_)
        unit.add(section, "ReadWritePaths", escape_word("-" + path));
    if (in_home_)
        unit.add(section, "ProtectHome", "read-only");
}

}  // namespace ezkvm::units
