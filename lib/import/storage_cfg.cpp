#include "import/storage_cfg.hpp"

#include <fmt/format.h>

#include "import/text.hpp"

namespace ezkvm::import {
namespace {

void set_property(Storage& storage, std::string_view key, std::string_view value)
{
    if (key == "path")
        storage.path = value;
    else if (key == "vgname")
        storage.vgname = value;
    else if (key == "pool")
        storage.pool = value;
}

}  // namespace

std::optional<std::vector<Storage>> parse_storage_cfg(std::string_view text, Messages& msgs)
{
    std::vector<Storage> storages;
    int line_no = 0;
    bool errors = false;
    for (const std::string_view raw : split(text, '\n')) {
        ++line_no;
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#')
            continue;
        if (raw.front() == ' ' || raw.front() == '\t') {
            if (storages.empty()) {
                msgs.error(line_no, "a property before the first 'type: id' line");
                errors = true;
                continue;
            }
            const size_t space = line.find_first_of(" \t");
            const std::string_view key = line.substr(0, space);
            const std::string_view value = space == std::string_view::npos ? "" : trim(line.substr(space));
            set_property(storages.back(), key, value);
            continue;
        }
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 || trim(line.substr(colon + 1)).empty()) {
            msgs.error(line_no, fmt::format("expected 'type: id', got '{}'", line.substr(0, 80)));
            errors = true;
            continue;
        }
        Storage storage;
        storage.type = trim(line.substr(0, colon));
        storage.id = trim(line.substr(colon + 1));
        storage.line = line_no;
        storages.push_back(std::move(storage));
    }
    for (auto& s : storages)
        if (s.path.empty() && (s.type == "nfs" || s.type == "cifs"))
            s.path = "/mnt/pve/" + s.id;
    if (errors)
        return std::nullopt;
    return storages;
}

}  // namespace ezkvm::import
