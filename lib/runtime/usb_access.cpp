#include "runtime/usb_access.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/device_acl.hpp"
#include "host/usb_device.hpp"
#include "base/fd.hpp"
#include "base/private_dir.hpp"
#include "base/safe_open.hpp"
#include "runtime/prepare_steps.hpp"

namespace ezkvm::runtime {
namespace {

constexpr const char* node_prefix = "/dev/";

struct Record {
    uid_t uid = 0;
    std::vector<std::string> nodes;  // unprefixed
};

// Trust only what could have been granted (device nodes in /dev, none in /dev/shm, no ".."), whatever the record says.
bool plausible_node(const std::string& node)
{
    return node.starts_with(node_prefix) && !node.starts_with("/dev/shm/") && node.find("..") == std::string::npos;
}

// The record's text; nullopt when there is none. Only our own (root's) regular
// file with one name, not following links nor blocking on a FIFO: a legacy
// record's directory belongs to the VM's user.
std::optional<std::string> read_text(const std::string& file)
{
    const auto path = std::filesystem::path(file);
    auto dir = open_directory(path.parent_path().string(), Links::Refuse);
    Fd fd;
    if (dir)
        fd.reset(open_beneath(*dir, path.filename().string(), O_RDONLY | O_NONBLOCK));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
        st.st_nlink != 1 || st.st_size > 65536)
        return std::nullopt;
    std::string text(static_cast<size_t>(st.st_size), '\0');
    const ssize_t n = ::read(fd.get(), text.data(), text.size());
    if (n < 0)
        return std::nullopt;
    text.resize(static_cast<size_t>(n));
    return text;
}

std::optional<Record> read_record(const std::string& file, Diagnostics& diags)
{
    const auto text = read_text(file);
    if (!text)
        return std::nullopt;
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    Record record;
    if (json.is_discarded() || !json.is_object() || !json.contains("uid") || !json["uid"].is_number_unsigned() ||
        !json.contains("nodes") || !json["nodes"].is_array()) {
        diags.warning({}, "host.usb", fmt::format("ignoring {}: not a USB access record", file));
        return std::nullopt;
    }
    record.uid = json["uid"].get<uid_t>();
    for (const auto& node : json["nodes"])
        if (node.is_string() && plausible_node(node.get<std::string>()))
            record.nodes.push_back(node.get<std::string>());
    return record;
}

bool write_record(const std::string& vm, const std::string& root, const Record& record, Diagnostics& diags)
{
    const std::string file = usb_access_record(vm, root);
    const std::string text = nlohmann::json{{"uid", record.uid}, {"nodes", record.nodes}}.dump() + "\n";
    auto dir = host_state_subdir(root, "usb");
    if (!dir) {
        diags.error({}, "host.usb", fmt::format("cannot write {}: {}", file, dir.error().message));
        return false;
    }
    const std::string name = std::filesystem::path(file).filename().string();
    auto temp = create_new_file(*dir, name, 0600);
    bool ok = temp && ::write(temp->fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (ok && ::unlinkat(dir->get(), name.c_str(), 0) != 0 && errno != ENOENT)
        ok = false;
    if (ok) {
        auto published = publish_file(*dir, *temp, name);
        ok = published && *published;
    }
    if (!ok) {
        diags.error({}, "host.usb", fmt::format("cannot write {}: {}", file, std::strerror(errno)));
        if (temp)
            discard_file(*dir, *temp);
    }
    return ok;
}

}  // namespace

std::string usb_access_record(const std::string& vm, const std::string& root)
{
    return fmt::format("{}{}/usb/{}.json", root, host_state_dir, vm);
}

std::string legacy_usb_access_record(const VmPaths& paths)
{
    return paths.runtime_dir + "/usb-access.json";
}

std::vector<std::string> revoke_usb_access(const std::string& vm, const VmPaths& paths, const std::string& root,
                                           Diagnostics& diags)
{
    std::string file = usb_access_record(vm, root);
    auto record = read_record(file, diags);
    if (!record) {
        file = legacy_usb_access_record(paths);
        record = read_record(file, diags);
    }
    std::vector<std::string> revoked;
    if (!record)
        return revoked;
    for (const auto& node : record->nodes) {
        if (auto revoke = host::revoke_user(root + node, record->uid); !revoke)
            diags.warning({}, "host.usb", revoke.error().message);
        else
            revoked.push_back(node);
    }
    ::unlink(file.c_str());  // root's own file, read above, in a directory never followed through a link
    return revoked;
}

std::vector<Created> grant_usb_access(const PrepareInput& input, Diagnostics& diags)
{
    std::vector<Created> granted;
    const auto& devices = input.spec->host.usb;
    if (!input.grant_device_access)
        return granted;
    const std::string& vm = input.spec->general.name;
    revoke_usb_access(vm, input.paths, input.root, diags);
    if (devices.empty() && input.device_nodes.empty())
        return granted;
    Record record{input.owner.uid, {}};
    for (const auto& node : input.device_nodes)
        if (plausible_node(node))
            record.nodes.push_back(node);
    std::vector<std::pair<const config::UsbHostDevice*, std::string>> found;
    for (size_t i = 0; i < devices.size(); ++i) {
        const auto node = host::find_usb_device(devices[i], input.root);
        if (!node) {
            diags.error(devices[i].pos, fmt::format("host.usb[{}]", i),
                        fmt::format("no USB device at {} on this host (unplugged?)", host::describe(devices[i])),
                        "plug it in, and check the bus/port or id with lsusb -t / lsusb");
            continue;
        }
        record.nodes.push_back(node->node);
        found.emplace_back(&devices[i], node->node);
    }
    // Recorded before granting: whatever happens next, cleanup knows what to take back.
    if (diags.has_errors() || !write_record(vm, input.root, record, diags))
        return granted;
    for (const auto& node : input.device_nodes) {
        if (!plausible_node(node))
            continue;
        if (auto grant = host::grant_user_rw(input.root + node, input.owner.uid); !grant) {
            diags.error({}, {}, grant.error().message);
            continue;
        }
        granted.push_back(Created{fmt::format("access for the VM's user (uid {}) to", input.owner.uid), node});
    }
    for (const auto& [device, node] : found) {
        if (auto grant = host::grant_user_rw(input.root + node, input.owner.uid); !grant) {
            diags.error(device->pos, "host.usb", grant.error().message);
            continue;
        }
        granted.push_back(Created{fmt::format("access for the VM's user (uid {}) to USB device {} at",
                                              input.owner.uid, host::describe(*device)),
                                  node});
    }
    return granted;
}

}  // namespace ezkvm::runtime
