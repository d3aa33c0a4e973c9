#pragma once
// A systemd unit file (or drop-in) as data: ordered sections holding ordered,
// possibly repeated keys. Values are escaped when they are set, by the kind of
// setting they go into, so no value can add a line, a setting, a specifier
// (%) or a variable expansion ($) of its own.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::units {

// A plain value: '%' doubled. Values must not contain line breaks (VmSpec
// guarantees that; they are replaced by spaces here as a last defence) and
// must not end in a backslash (it would continue the line).
std::string escape_value(std::string_view value);

// One path for settings that split on whitespace and remove quotes but do not
// C-unescape (RequiresMountsFor=, ReadWritePaths=, DeviceAllow=): quoted when
// needed, '"' and '\\' behind a backslash (read back as themselves), '%'
// doubled, every other byte as it is ("\\x01" would be read as "x01"). A line
// break or NUL cannot be carried: it is written as NUL, which
// unit_text_problem() refuses, so the path never becomes a different one.
std::string escape_word(std::string_view word);

// A command line for ExecStart=/ExecStop=, which C-unescapes: every argument
// quoted when needed, control characters as \xNN, and '$' doubled so systemd
// does not expand variables.
std::string escape_command(const std::vector<std::string>& argv);

// systemd 252 stops reading a unit file at a line of 1 MiB or more
// (LONG_LINE_MAX), ends a line at NUL or CR, and drops a line that is not
// UTF-8: everything after it would be silently lost.
inline constexpr size_t max_unit_line_bytes = (1u << 20) - 1;

// What keeps systemd from reading `text` (a rendered unit) line by line as
// written, or nullopt when nothing does.
std::optional<std::string> unit_text_problem(std::string_view text);

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
