#include "import/volumes.hpp"

#include <fmt/format.h>

namespace ezkvm::import {
namespace {

bool has_dotdot(const std::string& path)
{
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        if (path.compare(start, end - start, "..") == 0)
            return true;
        start = end + 1;
    }
    return false;
}

std::string format_of_name(const std::string& name)
{
    for (const char* ext : {"raw", "qcow2", "vmdk"})
        if (name.size() > std::string(ext).size() + 1 && name.ends_with(std::string(".") + ext))
            return ext;
    return {};
}

// A `dir`-like storage at `base`: iso/, snippets/ and <vmid>/ images.
Volume in_directory(const std::string& base, const std::string& volname)
{
    Volume v;
    if (volname.starts_with("iso/"))
        v.path = base + "/template/iso/" + volname.substr(4);
    else if (volname.starts_with("snippets/"))
        v.path = base + "/" + volname;
    else if (!volname.empty() && volname.front() >= '0' && volname.front() <= '9' && volname.find('/') != std::string::npos)
        v.path = base + "/images/" + volname;
    else {
        v.message = fmt::format("'{}' is no volume name of a directory storage (iso/NAME or VMID/NAME)", volname);
        return v;
    }
    v.status = Volume::Status::Ok;
    v.format = format_of_name(volname);
    return v;
}

Volume block_device(std::string path)
{
    Volume v;
    v.status = Volume::Status::Ok;
    v.path = std::move(path);
    v.format = "raw";
    return v;
}

}  // namespace

std::optional<StorageOverride> parse_storage_override(const std::string& text, std::string& error)
{
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
        error = fmt::format("--storage takes ID=PATH, got '{}'", text);
        return std::nullopt;
    }
    StorageOverride o{text.substr(0, eq), text.substr(eq + 1)};
    while (o.path.size() > 1 && o.path.back() == '/')
        o.path.pop_back();
    if (o.path.front() != '/' || has_dotdot(o.path)) {
        error = fmt::format("--storage {}: '{}' is not an absolute path without '..'", o.id, o.path);
        return std::nullopt;
    }
    return o;
}

const Storage* Volumes::find(const std::string& id) const
{
    for (const auto& s : storages_)
        if (s.id == id)
            return &s;
    return nullptr;
}

Volume Volumes::resolve(const std::string& volid) const
{
    Volume v;
    if (volid.empty() || has_dotdot(volid)) {
        v.message = fmt::format("'{}' is not a usable volume", volid);
        return v;
    }
    if (volid.front() == '/') {
        v.status = Volume::Status::Ok;
        v.path = volid;
        v.format = format_of_name(volid);
        return v;
    }
    const size_t colon = volid.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == volid.size()) {
        v.message = fmt::format("'{}' is neither STORAGE:VOLUME nor an absolute path", volid);
        return v;
    }
    const std::string id = volid.substr(0, colon);
    const std::string volname = volid.substr(colon + 1);
    for (const auto& o : overrides_)
        if (o.id == id)
            return volname.find('/') != std::string::npos ? in_directory(o.path, volname)
                                                           : block_device(o.path + "/" + volname);
    const Storage* s = find(id);
    if (!s) {
        v.status = Volume::Status::UnknownStorage;
        v.message = cfg_name_.empty()
                        ? fmt::format("storage '{}' is unknown: there is no storage.cfg to look it up in", id)
                        : fmt::format("storage '{}' is not in {}", id, cfg_name_);
        return v;
    }
    if (s->type == "dir" || s->type == "nfs" || s->type == "cifs") {
        if (s->path.empty() || s->path.front() != '/') {
            v.message = fmt::format("storage '{}' ({}:{}) has no absolute path", id, cfg_name_, s->line);
            return v;
        }
        return in_directory(s->path, volname);
    }
    if ((s->type == "lvm" || s->type == "lvmthin") && !s->vgname.empty())
        return block_device("/dev/" + s->vgname + "/" + volname);
    if (s->type == "zfspool" && !s->pool.empty())
        return block_device("/dev/zvol/" + s->pool + "/" + volname);
    if (s->type == "lvm" || s->type == "lvmthin" || s->type == "zfspool") {
        v.message = fmt::format("storage '{}' ({}:{}) names no {}", id, cfg_name_, s->line,
                                s->type == "zfspool" ? "pool" : "vgname");
        return v;
    }
    v.status = Volume::Status::Unsupported;
    v.message = fmt::format("storage '{}' is of type '{}', which has no path on this host to give qemu", id, s->type);
    return v;
}

}  // namespace ezkvm::import
