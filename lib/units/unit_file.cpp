#include "units/unit_file.hpp"

#include <fmt/format.h>

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
            out += ' ';
        else if (c == '"' || c == '\\')
            (out += '\\') += c;
        else if (doubled(c, command))
            (out += c) += c;
        else if (u < ' ' || u == 0x7f)
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
