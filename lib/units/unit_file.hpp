#pragma once
// A systemd unit file (or drop-in) as data: ordered sections holding ordered,
// possibly repeated keys. Values are escaped when they are set, by the kind of
// setting they go into, so no value can add a line, a setting, a specifier
// (%) or a variable expansion ($) of its own.
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::units {

// A plain value: '%' doubled. Values must not contain line breaks (VmSpec
// guarantees that; they are replaced by spaces here as a last defence) and
// must not end in a backslash (it would continue the line).
std::string escape_value(std::string_view value);

// One word for settings that split on whitespace and honour quotes
// (RequiresMountsFor=, ReadWritePaths=, ExecStart= arguments): quoted with C
// escapes when needed, '%' doubled.
std::string escape_word(std::string_view word);

// A command line for ExecStart=/ExecStop=: every argument a word as above,
// and '$' doubled so systemd does not expand variables.
std::string escape_command(const std::vector<std::string>& argv);

class UnitFile {
public:
    explicit UnitFile(std::string header_comment = {}) : header_(std::move(header_comment)) {}

    // Appends `key=value` to `section` (created on first use, in order of first use).
    // The value must already be escaped with one of the functions above.
    UnitFile& add(std::string_view section, std::string_view key, std::string value);

    std::string render() const;
    bool empty() const { return sections_.empty(); }

private:
    struct Section {
        std::string name;
        std::vector<std::pair<std::string, std::string>> entries;
    };
    std::string header_;
    std::vector<Section> sections_;
};

}  // namespace ezkvm::units
