#include "config/resolve.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "config/load.hpp"
#include "config/merge.hpp"
#include "config/original_format.hpp"
#include "config/parse.hpp"
#include "base/suggest.hpp"

namespace fs = std::filesystem;

namespace ezkvm::config {
namespace {

constexpr int max_template_depth = 8;

bool is_yaml_name(const std::string& file)
{
    return file.size() > 5 && (file.ends_with(".yaml") || file.ends_with(".yml"));
}

std::string stem_of(const std::string& file)
{
    return fs::path(file).stem().string();
}

std::vector<std::string> real_template_dirs(const Environment& env)
{
    std::vector<std::string> dirs;
    for (const auto& d : env.template_dirs)
        dirs.push_back(env.real(d));
    dirs.push_back(env.shipped_templates);
    return dirs;
}

// The generator resolves every VM file in one process: where templates and
// defaults files are (and whether they are) is looked up once per path, as
// they are parsed once (load_shared_file).
fs::file_type shared_file_type(const std::string& path)
{
    static std::map<std::string, fs::file_type> known;
    auto it = known.find(path);
    if (it == known.end()) {
        std::error_code ec;
        it = known.emplace(path, fs::status(path, ec).type()).first;
    }
    return it->second;
}

std::optional<std::string> find_template(const std::string& name, const Environment& env)
{
    for (const auto& dir : real_template_dirs(env)) {
        std::string candidate = dir + "/" + name + ".yaml";
        if (shared_file_type(candidate) == fs::file_type::regular)
            return candidate;
    }
    return std::nullopt;
}

// Templates and defaults.yaml are shared by every VM the generator plans in
// one run: each file is parsed once, its messages repeated for every VM.
std::optional<Node> load_shared_file(const std::string& path, Diagnostics& diags)
{
    struct Cached {
        std::optional<Node> tree;
        Diagnostics messages;
    };
    static std::map<std::string, Cached> cache;
    auto it = cache.find(path);
    if (it == cache.end()) {
        Cached entry;
        entry.tree = load_yaml_file(path, path, entry.messages);
        it = cache.emplace(path, std::move(entry)).first;
    }
    diags.append(it->second.messages);
    return it->second.tree;
}

// The scalar at general.template, if any.
const Node* template_node(const Node& root)
{
    if (!root.is_map())
        return nullptr;
    const Entry* general = root.find("general");
    if (!general || !general->node().is_map())
        return nullptr;
    const Entry* t = general->node().find("template");
    if (!t || !t->node().is_scalar())
        return nullptr;
    return &t->node();
}

// Loads the template chain named by `ref` (templates may name a template of their own).
std::optional<Node> load_template_chain(const Node& ref, const Environment& env, Diagnostics& diags,
                                        std::string& first_file)
{
    std::vector<std::string> seen;
    std::optional<Node> result;
    const Node* current_ref = &ref;
    std::vector<Node> chain;  // most specific first
    while (current_ref) {
        const std::string name = current_ref->scalar;
        if (std::find(seen.begin(), seen.end(), name) != seen.end() || seen.size() >= max_template_depth) {
            diags.error(current_ref->pos, "general.template",
                        fmt::format("template '{}' includes itself (through {})", name, join(seen, " -> ")));
            return std::nullopt;
        }
        seen.push_back(name);
        auto path = find_template(name, env);
        if (!path) {
            diags.error(current_ref->pos, "general.template",
                        fmt::format("no template named '{}' (searched {})", name, join(real_template_dirs(env), ", ")),
                        suggestion(name, template_names(env)));
            return std::nullopt;
        }
        if (first_file.empty())
            first_file = *path;
        auto tree = load_shared_file(*path, diags);
        if (!tree)
            return std::nullopt;
        chain.push_back(std::move(*tree));
        current_ref = template_node(chain.back());
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        if (!result)
            result = std::move(*it);
        else
            merge_into(*result, *it);
    }
    return result;
}

}  // namespace

std::vector<VmFile> find_vm_files(const Environment& env)
{
    std::vector<VmFile> files;
    std::set<std::string> names;
    for (const auto& dir : env.config_dirs) {
        std::error_code ec;
        std::vector<VmFile> here;
        for (const auto& entry : fs::directory_iterator(env.real(dir), ec)) {
            const std::string file = entry.path().filename().string();
            if (!is_yaml_name(file) || stem_of(file) == "defaults" || !entry.is_regular_file(ec))
                continue;
            here.push_back({stem_of(file), dir + "/" + file});
        }
        std::sort(here.begin(), here.end(), [](const VmFile& a, const VmFile& b) { return a.name < b.name; });
        for (auto& f : here)
            if (names.insert(f.name).second)
                files.push_back(std::move(f));
    }
    std::sort(files.begin(), files.end(), [](const VmFile& a, const VmFile& b) { return a.name < b.name; });
    return files;
}

std::vector<std::string> template_names(const Environment& env)
{
    std::set<std::string> names;
    for (const auto& dir : real_template_dirs(env)) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            const std::string file = entry.path().filename().string();
            if (is_yaml_name(file))
                names.insert(stem_of(file));
        }
    }
    return {names.begin(), names.end()};
}

std::optional<LoadedVm> load_vm_file(const std::string& real_path, const std::string& display,
                                     const Environment& env, Diagnostics& diags)
{
    LoadedVm vm;
    vm.name = stem_of(display);
    vm.source = display;
    const Pos file_pos{std::make_shared<const std::string>(display)};
    if (!valid_vm_name(vm.name)) {
        diags.error(file_pos, {},
                    fmt::format("'{}' is not a valid VM name: use letters, digits, '-', '_' and '.', "
                                "start with a letter or digit, at most 64 characters",
                                vm.name),
                    "rename the file");
        return std::nullopt;
    }
    auto own = load_yaml_file(real_path, display, diags);
    if (!own)
        return std::nullopt;
    // Templates and defaults.yaml may be empty; a VM file that says nothing is
    // a mistake (a file truncated or saved empty), not a VM of built-in defaults.
    if (own->is_map() && own->map.empty()) {
        diags.error(Pos{file_pos.file, 1, 1}, {}, "the file is empty",
                    "a VM file names at least its template, e.g. 'general: { template: linux }'");
        return std::nullopt;
    }

    Node site;
    site.kind = Node::Kind::Map;
    for (const auto& file : env.defaults_files) {
        const std::string real = env.real(file);
        if (!fs::exists(fs::file_status(shared_file_type(real))))
            continue;
        auto tree = load_shared_file(real, diags);
        if (tree)
            merge_into(site, *tree);
    }

    const Node* ref = template_node(*own);
    if (!ref)
        ref = template_node(site);
    if (ref) {
        auto tmpl = load_template_chain(*ref, env, diags, vm.template_file);
        if (tmpl)
            vm.merged = std::move(*tmpl);
    } else if (is_original_format(*own, site)) {
        Node file = site;
        merge_into(file, *own);
        vm.merged = original_defaults(file);
        vm.original_format = true;
    }
    if (!vm.merged.is_map())
        vm.merged.kind = Node::Kind::Map;
    merge_into(vm.merged, site);
    merge_into(vm.merged, *own);
    vm.merged.pos = own->pos;
    vm.spec = parse_spec(vm.merged, vm.name, diags);
    return vm;
}

bool is_file_argument(const std::string& arg)
{
    return arg.find('/') != std::string::npos || is_yaml_name(arg);
}

std::optional<LoadedVm> load_vm(const std::string& arg, const Environment& env, Diagnostics& diags)
{
    if (is_file_argument(arg))
        return load_vm_file(arg, arg, env, diags);
    const auto files = find_vm_files(env);
    for (const auto& f : files)
        if (f.name == arg)
            return load_vm_file(env.real(f.path), env.real(f.path), env, diags);
    std::vector<std::string> names;
    for (const auto& f : files)
        names.push_back(f.name);
    std::vector<std::string> dirs;
    for (const auto& d : env.config_dirs)
        dirs.push_back(env.real(d));
    std::string hint;
    if (!names.empty())
        hint = suggestion(arg, names);
    else
        hint = "no VM files there yet";
    diags.error(Pos{}, {}, fmt::format("no VM named '{}' in {}", arg, join(dirs, ", ")), hint);
    return std::nullopt;
}

}  // namespace ezkvm::config
