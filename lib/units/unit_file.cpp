#include "units/unit_file.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/utf8.hpp"

namespace ezkvm::units {
namespace {

bool is_line_break(char c)
{
    return c == '\n' || c == '\r';
}

std::string single_line(std::string_view value)
{
    std::string out(value);
    for (char& c : out)
        if (is_line_break(c))
            c = ' ';
    return out;
}

// Line breaks count: they become spaces, which need quotes.
bool needs_quotes(std::string_view word)
{
    if (word.empty())
        return true;
    for (char c : word) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= ' ' || u == 0x7f || c == '"' || c == '\'' || c == '\\' || c == ';')
            return true;
    }
    return false;
}

// Whether `c` is doubled: '%' everywhere, '$' in command lines.
bool doubled(char c, bool command)
{
    return c == '%' || (command && c == '$');
}

// `text` on one line (line breaks as spaces), specifiers (and in a command line, variables) doubled.
void append_plain(std::string& out, std::string_view text, bool command)
{
    for (char c : text) {
        if (is_line_break(c)) {
            out += ' ';
            continue;
        }
        out += c;
        if (doubled(c, command))
            out += c;
    }
}

void append_word(std::string& out, std::string_view word, bool command)
{
    if (!needs_quotes(word)) {
        append_plain(out, word, command);
        return;
    }
    out += '"';
    for (char c : word) {
        const auto u = static_cast<unsigned char>(c);
        if (is_line_break(c))
            out += command ? ' ' : '\0';
        else if (c == '"' || c == '\\')
            (out += '\\') += c;
        else if (doubled(c, command))
            (out += c) += c;
        else if (command && (u < ' ' || u == 0x7f))
            out += fmt::format("\\x{:02x}", u);
        else
            out += c;
    }
    out += '"';
}

}  // namespace

std::string escape_value(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    append_plain(out, value, false);
    if (!out.empty() && out.back() == '\\')
        out += ' ';
    return out;
}

std::string escape_word(std::string_view word)
{
    std::string out;
    out.reserve(word.size() + 2);
    append_word(out, word, false);
    return out;
}

std::string escape_command(const std::vector<std::string>& argv)
{
    size_t size = 0;
    for (const auto& arg : argv)
        size += arg.size() + 1;
    std::string out;
    out.reserve(size + size / 8);
    for (size_t i = 0; i < argv.size(); ++i) {
        if (i)
            out += ' ';
        append_word(out, argv[i], true);
    }
    return out;
}

std::optional<std::string> unit_text_problem(std::string_view text)
{
    size_t number = 1;
    for (size_t start = 0; start < text.size(); ++number) {
        const size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view line = text.substr(start, end - start);
        if (line.size() > max_unit_line_bytes)
            return fmt::format("line {} is {} bytes long, systemd reads lines of less than 1 MiB", number, line.size());
        if (!is_utf8(line))
            return fmt::format("line {} is not UTF-8, systemd would drop it", number);
        if (line.find_first_of(std::string_view("\0\r", 2)) != std::string_view::npos)
            return fmt::format("line {} holds a NUL or carriage return, which ends a line for systemd", number);
        start = end + 1;
    }
    return std::nullopt;
}

UnitFile& UnitFile::add(std::string_view section, std::string_view key, std::string value)
{
    Section* target = nullptr;
    for (auto& s : sections_)
        if (s.name == section)
            target = &s;
    if (!target) {
        sections_.push_back({std::string(section), {}});
        target = &sections_.back();
    }
    target->entries.emplace_back(std::string(key), std::move(value));
    return *this;
}

std::string UnitFile::render() const
{
    size_t size = header_.size() + 3;
    for (const auto& section : sections_) {
        size += section.name.size() + 4;
        for (const auto& [key, value] : section.entries)
            size += key.size() + value.size() + 2;
    }
    std::string out;
    out.reserve(size);
    if (!header_.empty())
        ((out += "# ") += single_line(header_)) += '\n';
    for (size_t i = 0; i < sections_.size(); ++i) {
        if (i || !header_.empty())
            out += '\n';
        ((out += '[') += sections_[i].name) += "]\n";
        for (const auto& [key, value] : sections_[i].entries)
            ((((out += key) += '=') += value) += '\n');
    }
    return out;
}

}  // namespace ezkvm::units
