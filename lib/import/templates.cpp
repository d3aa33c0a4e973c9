#include "import/templates.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "config/resolve.hpp"
#include "import/property_string.hpp"
#include "base/quantities.hpp"

namespace ezkvm::import {
namespace {

// A VM file that exists only in memory, loaded through the same path as any other.
std::optional<config::LoadedVm> load_text(const std::string& text, const std::string& name,
                                          const config::Environment& env, Diagnostics& diags)
{
    const int fd = memfd_create("ezkvm-import", MFD_CLOEXEC);
    if (fd < 0) {
        diags.error({}, {}, "memfd_create failed");
        return std::nullopt;
    }
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n <= 0) {
            close(fd);
            diags.error({}, {}, "writing the memfd failed");
            return std::nullopt;
        }
        done += static_cast<size_t>(n);
    }
    auto vm = config::load_vm_file(fmt::format("/proc/self/fd/{}", fd), name + ".yaml", env, diags);
    close(fd);
    return vm;
}

void flatten(const config::Node& node, const std::string& path, std::vector<std::pair<std::string, const config::Node*>>& out)
{
    if (!node.is_map()) {
        out.emplace_back(path, &node);
        return;
    }
    for (const auto& e : node.map)
        flatten(e.node(), path.empty() ? e.key : path + "." + e.key, out);
}

std::string canonical(const std::string& path, const std::string& text)
{
    if (path == "system.memory.max") {
        if (auto bytes = parse_size(text, 1 << 20))
            return std::to_string(*bytes);
    }
    if (auto flag = parse_flag(text))
        return *flag ? "true" : "false";
    return text;
}

// Leaves of `out` (outside lists), with their paths.
void leaves(OutNode& node, const std::string& path, std::vector<std::pair<std::string, OutNode*>>& out)
{
    if (node.kind == OutNode::Kind::Scalar) {
        out.emplace_back(path, &node);
        return;
    }
    if (node.kind == OutNode::Kind::Map)
        for (auto& [k, v] : node.map)
            leaves(v, path.empty() ? k : path + "." + k, out);
}

// What the importer means by writing nothing, for hardware keys a template may set.
const std::vector<std::pair<std::string, OutNode>>& neutral_values()
{
    static const std::vector<std::pair<std::string, OutNode>> values = {
        {"system.tpm.type", OutNode::text("none")},
        {"system.bios.secure_boot", OutNode::yes_no(false)},
        {"system.cpu.flags", OutNode::list(true)},
        {"audio.device", OutNode::text("none")},
        {"gpu.gl", OutNode::yes_no(false)},
    };
    return values;
}

}  // namespace

std::string template_for_ostype(const std::string& ostype)
{
    if (ostype == "win11")
        return "windows-11";
    if (ostype == "win10")
        return "windows-10";
    if (ostype == "l26" || ostype == "l24")
        return "linux";
    return "generic";
}

std::optional<config::Node> template_values(const std::string& name, const config::Environment& env)
{
    Diagnostics diags;
    auto vm = load_text(fmt::format("general: {{ template: {} }}\n", name), "template-probe", env, diags);
    if (!vm || diags.has_errors())
        return std::nullopt;
    return vm->merged;
}

void apply_template(OutNode& out, const std::string& name, const config::Node& values)
{
    std::vector<std::pair<std::string, const config::Node*>> given;
    flatten(values, "", given);
    std::vector<std::pair<std::string, OutNode*>> mine;
    leaves(out, "", mine);
    std::vector<std::string> drop, written;
    for (const auto& [path, node] : mine) {
        written.push_back(path);
        for (const auto& [tpath, tnode] : given)
            if (tpath == path && tnode->is_scalar() &&
                canonical(path, tnode->scalar) == canonical(path, node->scalar))
                drop.push_back(path);
    }
    for (const auto& path : drop)
        out.erase(path);
    for (const auto& [tpath, tnode] : given) {
        if (std::find(written.begin(), written.end(), tpath) != written.end())
            continue;
        for (const auto& [npath, value] : neutral_values())
            if (npath == tpath && !(tnode->is_scalar() && canonical(tpath, tnode->scalar) == canonical(tpath, value.scalar)))
                out.set(tpath, value);
    }
    auto& general = out.at("general");
    general.map.insert(general.map.begin(), {"template", OutNode::text(name)});
}

void load_back(const std::string& text, const std::string& name, const config::Environment& env, Diagnostics& diags)
{
    load_text(text, name, env, diags);
}

}  // namespace ezkvm::import
