#pragma once
// Building qemu option strings safely: "driver,key=value,..." where every value
// has its commas doubled, so no config value can start an option or property
// of its own. Values with line breaks or NUL never get here (VmSpec forbids them).
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::qemu {

// "a,b" -> "a,,b"
std::string escape_option_value(std::string_view value);

class Opts {
public:
    Opts() = default;
    // The leading bare word ("virtio-blk-pci", "socket"); escaped too.
    explicit Opts(std::string_view head);

    Opts& set(std::string_view key, std::string_view value);
    Opts& set(std::string_view key, const char* value) { return set(key, std::string_view(value)); }
    Opts& set(std::string_view key, const std::string& value) { return set(key, std::string_view(value)); }
    Opts& set(std::string_view key, unsigned long long value);
    Opts& set(std::string_view key, unsigned long value) { return set(key, static_cast<unsigned long long>(value)); }
    Opts& set(std::string_view key, unsigned value) { return set(key, static_cast<unsigned long long>(value)); }
    Opts& set(std::string_view key, int value);
    Opts& on(std::string_view key, bool value);  // key=on / key=off
    // A fragment already in qemu syntax that ezkvm validated (cpu flags like "+aes").
    Opts& raw(std::string_view fragment);

    const std::string& str() const { return text_; }

private:
    void sep();
    std::string text_;
};

// Ordered argv fragments; each section appends "-option", "value" pairs.
struct Args {
    std::vector<std::string> items;
    void add(std::string_view option) { items.emplace_back(option); }
    void add(std::string_view option, const Opts& value)
    {
        items.emplace_back(option);
        items.push_back(value.str());
    }
    void add(std::string_view option, std::string_view value)
    {
        items.emplace_back(option);
        items.emplace_back(value);
    }
};

}  // namespace ezkvm::qemu
