#include "vfio/host_critical.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace ezkvm::vfio {
namespace {

constexpr int max_depth = 12;  // sata: ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1

struct BlockDevice {
    std::string name;  // sda1
    std::string dev;   // "8:1"
};

// The block devices (disks and partitions) below the device's sysfs directory:
// the directories whose subsystem is "block". Symlinks are not followed.
std::vector<BlockDevice> block_devices_below(const Host& host, const std::string& dir)
{
    std::vector<BlockDevice> found;
    std::error_code ec;
    const fs::path start = fs::canonical(host.real(dir), ec);
    if (ec)
        return found;
    fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it.depth() > max_depth) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_directory(ec) || it->is_symlink(ec))
            continue;
        const auto subsystem = fs::read_symlink(it->path() / "subsystem", ec);
        if (ec || subsystem.filename() != "block") {
            ec.clear();
            continue;
        }
        std::ifstream dev_file(it->path() / "dev");
        std::string dev;
        if (dev_file >> dev)
            found.push_back({it->path().filename().string(), dev});
    }
    return found;
}

std::vector<std::string> lines_of(const Host& host, const std::string& path)
{
    std::vector<std::string> lines;
    std::istringstream in(host.read(path).value_or(""));
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

std::vector<std::string> words_of(const std::string& line)
{
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string word; in >> word;)
        words.push_back(word);
    return words;
}

void storage_uses(const Host& host, const PciDevice& device, std::vector<std::string>& uses)
{
    const auto blocks = block_devices_below(host, device_dir(device.address));
    if (blocks.empty())
        return;
    const auto mounts = lines_of(host, "/proc/self/mountinfo");
    const auto swaps = lines_of(host, "/proc/swaps");
    for (const auto& block : blocks) {
        for (const auto& line : mounts) {
            const auto words = words_of(line);  // id parent major:minor root mount-point ...
            if (words.size() > 4 && words[2] == block.dev)
                uses.push_back(fmt::format("{} is mounted at {}", block.name, words[4]));
        }
        for (const auto& line : swaps)
            if (const auto words = words_of(line); !words.empty() && words[0] == "/dev/" + block.name)
                uses.push_back(fmt::format("{} is swap", block.name));
        for (const auto& holder : host.list("/sys/class/block/" + block.name + "/holders"))
            uses.push_back(fmt::format("{} is held by {} (device-mapper or md: LVM, LUKS, RAID)", block.name, holder));
    }
}

// IPv4: destination 00000000 with mask 00000000; IPv6: ::/0. The interface is
// the first column of /proc/net/route and the last of /proc/net/ipv6_route.
bool carries_default_route(const Host& host, const std::string& iface)
{
    for (const auto& line : lines_of(host, "/proc/net/route")) {
        const auto words = words_of(line);
        if (words.size() > 7 && words[0] == iface && words[1] == "00000000" && words[7] == "00000000")
            return true;
    }
    for (const auto& line : lines_of(host, "/proc/net/ipv6_route")) {
        const auto words = words_of(line);
        if (words.size() == 10 && words[9] == iface && words[0] == std::string(32, '0') && words[1] == "00")
            return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> host_critical_uses(const Host& host, const PciDevice& device)
{
    std::vector<std::string> uses;
    if (device.on_vfio())
        return uses;  // the host does without it already
    storage_uses(host, device, uses);
    if (device.boot_vga && device.driver)
        uses.push_back(fmt::format("it is the host's boot display, driven by {} for its console or desktop",
                                   *device.driver));
    for (const auto& iface : host.list(device_dir(device.address) + "/net"))
        if (carries_default_route(host, iface))
            uses.push_back(fmt::format("{} carries the default route", iface));
    return uses;
}

}  // namespace ezkvm::vfio
