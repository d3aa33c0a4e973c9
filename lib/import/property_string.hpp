#pragma once
// Proxmox property strings: "local-lvm:vm-108-disk-0,cache=none,ssd=1" — parts
// split on ',', each `key=value`; one part may leave out its key (the format's
// default key: the volume of a disk, the model of a CPU).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::import {

class Properties {
public:
    // nullopt with `error` set when a part is empty or a key is given twice.
    static std::optional<Properties> parse(std::string_view text, std::string_view default_key, std::string& error);

    const std::string* get(std::string_view key) const;
    bool has(std::string_view key) const { return get(key) != nullptr; }
    // 1/on/yes/true -> true, 0/off/no/false -> false; `fallback` when absent or unclear.
    bool flag(std::string_view key, bool fallback = false) const;
    // The keys in the order they were written.
    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
    // Keys other than those in `known`, in order.
    std::vector<std::string> others(const std::vector<std::string_view>& known) const;

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

// Proxmox's boolean words.
std::optional<bool> parse_flag(std::string_view text);

}  // namespace ezkvm::import
