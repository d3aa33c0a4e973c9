#include "firmware/descriptor.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ezkvm::firmware {

namespace {

using nlohmann::json;

// Reads the descriptor's fields, stopping at the first one of the wrong shape.
// Unknown members are ignored: the format grows new ones over QEMU releases.
class Reader {
public:
    explicit Reader(std::string& error) : error_(error) {}

    bool ok() const { return error_.empty(); }

    const json* member(const json& object, const char* key, const std::string& where, bool required)
    {
        if (!ok())
            return nullptr;
        auto it = object.find(key);
        if (it == object.end()) {
            if (required)
                fail(where, "missing");
            return nullptr;
        }
        return &*it;
    }

    std::string string(const json& object, const char* key, const std::string& where, bool required = true)
    {
        const json* value = member(object, key, where, required);
        if (!value)
            return {};
        if (!value->is_string()) {
            fail(where, "expected a string");
            return {};
        }
        return value->get<std::string>();
    }

    std::vector<std::string> strings(const json& object, const char* key, const std::string& where,
                                     bool required = true)
    {
        std::vector<std::string> out;
        const json* value = member(object, key, where, required);
        if (!value)
            return out;
        if (!value->is_array()) {
            fail(where, "expected a list of strings");
            return out;
        }
        for (const json& item : *value) {
            if (!item.is_string()) {
                fail(where, "expected a list of strings");
                return {};
            }
            out.push_back(item.get<std::string>());
        }
        return out;
    }

    const json* object(const json& parent, const char* key, const std::string& where, bool required = true)
    {
        const json* value = member(parent, key, where, required);
        if (value && !value->is_object()) {
            fail(where, "expected an object");
            return nullptr;
        }
        return value;
    }

    DescriptorFile file(const json& object, const std::string& where)
    {
        DescriptorFile out;
        out.filename = string(object, "filename", where + ".filename");
        if (ok() && (out.filename.empty() || out.filename.front() != '/'))
            fail(where + ".filename", fmt::format("expected an absolute path, got '{}'", out.filename));
        const std::string format = string(object, "format", where + ".format", false);
        if (!format.empty())
            out.format = format;
        return out;
    }

    void fail(const std::string& where, const std::string& what)
    {
        if (ok())
            error_ = where + ": " + what;
    }

private:
    std::string& error_;
};

void read_mapping(Reader& r, const json& mapping, Descriptor& d)
{
    d.device = r.string(mapping, "device", "mapping.device");
    if (d.device == "flash") {
        const std::string mode = r.string(mapping, "mode", "mapping.mode", false);
        if (!mode.empty())
            d.mode = mode;
        if (const json* executable = r.object(mapping, "executable", "mapping.executable"))
            d.executable = r.file(*executable, "mapping.executable");
        if (const json* nvram = r.object(mapping, "nvram-template", "mapping.nvram-template", false))
            d.nvram_template = r.file(*nvram, "mapping.nvram-template");
    } else if (d.device == "memory") {
        d.executable.filename = r.string(mapping, "filename", "mapping.filename");
        if (r.ok() && (d.executable.filename.empty() || d.executable.filename.front() != '/'))
            r.fail("mapping.filename", fmt::format("expected an absolute path, got '{}'", d.executable.filename));
    }
}

void read_targets(Reader& r, const json& root, Descriptor& d)
{
    const json* targets = r.member(root, "targets", "targets", true);
    if (!targets)
        return;
    if (!targets->is_array()) {
        r.fail("targets", "expected a list");
        return;
    }
    for (size_t i = 0; i < targets->size() && r.ok(); ++i) {
        const std::string where = fmt::format("targets[{}]", i);
        const json& item = (*targets)[i];
        if (!item.is_object()) {
            r.fail(where, "expected an object");
            return;
        }
        Target target;
        target.architecture = r.string(item, "architecture", where + ".architecture");
        target.machines = r.strings(item, "machines", where + ".machines");
        d.targets.push_back(std::move(target));
    }
}

}  // namespace

bool Descriptor::has_interface(std::string_view type) const
{
    return std::find(interface_types.begin(), interface_types.end(), type) != interface_types.end();
}

bool Descriptor::has_feature(std::string_view feature) const
{
    return std::find(features.begin(), features.end(), feature) != features.end();
}

Result<Descriptor> parse_descriptor(std::string_view text)
{
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& e) {
        // what() starts with "[json.exception.parse_error.101] "; keep the readable part.
        std::string_view message = e.what();
        if (auto end = message.find("] "); end != std::string_view::npos)
            message.remove_prefix(end + 2);
        return Error{std::string(message), EINVAL};
    }
    if (!root.is_object())
        return Error{"expected a JSON object", EINVAL};

    std::string error;
    Reader r(error);
    Descriptor d;
    d.interface_types = r.strings(root, "interface-types", "interface-types");
    if (const json* mapping = r.object(root, "mapping", "mapping"))
        read_mapping(r, *mapping, d);
    read_targets(r, root, d);
    d.features = r.strings(root, "features", "features", false);
    if (!r.ok())
        return Error{error, EINVAL};
    return d;
}

}  // namespace ezkvm::firmware
