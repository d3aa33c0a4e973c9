#include "import/context.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ezkvm::import {

const QmEntry* Context::take(const std::string& key)
{
    const QmEntry* e = conf.find(key);
    if (e)
        handled.insert(key);
    return e;
}

std::optional<Properties> Context::props(const QmEntry& entry, std::string_view default_key)
{
    handled.insert(entry.key);
    std::string error;
    auto p = Properties::parse(entry.value, default_key, error);
    if (!p)
        msgs.error(entry.line, fmt::format("{}: {}", entry.key, error));
    return p;
}

void Context::unknown_properties(const QmEntry& entry, const Properties& props,
                                 const std::vector<std::string_view>& known)
{
    for (const auto& key : props.others(known))
        msgs.warning(entry.line, fmt::format("{}: '{}={}' is not imported (ezkvm has no equivalent)", entry.key, key,
                                             *props.get(key)));
}

std::optional<Volume> Context::volume(const QmEntry& entry, const std::string& volid)
{
    Volume v = volumes.resolve(volid);
    switch (v.status) {
    case Volume::Status::Ok: return v;
    case Volume::Status::UnknownStorage:
        msgs.error(entry.line, fmt::format("{}: {} (give its path with --storage ID=PATH)", entry.key, v.message));
        break;
    case Volume::Status::Unsupported:
        msgs.warning(entry.line, fmt::format("{}: {}: the drive is left out", entry.key, v.message));
        break;
    case Volume::Status::Invalid: msgs.error(entry.line, fmt::format("{}: {}", entry.key, v.message)); break;
    }
    return std::nullopt;
}

std::string Context::source(const QmEntry& entry)
{
    return fmt::format("{} (line {})", entry.key, entry.line);
}

}  // namespace ezkvm::import
