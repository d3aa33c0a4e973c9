#include "units/unit_file.hpp"

#include <fmt/format.h>

namespace ezkvm::units {
namespace {

std::string single_line(std::string_view value)
{
    std::string out;
    for (char c : value)
        out += (c == '\n' || c == '\r') ? ' ' : c;
    return out;
}

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

}  // namespace

std::string escape_value(std::string_view value)
{
    std::string out;
    for (char c : single_line(value)) {
        out += c;
        if (c == '%')
            out += '%';
    }
    if (!out.empty() && out.back() == '\\')
        out += ' ';
    return out;
}

std::string escape_word(std::string_view word)
{
    const std::string line = single_line(word);
    if (!needs_quotes(line)) {
        std::string out;
        for (char c : line) {
            out += c;
            if (c == '%')
                out += '%';
        }
        return out;
    }
    std::string out = "\"";
    for (char c : line) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '%': out += "%%"; break;
        default:
            if (u < ' ' || u == 0x7f)
                out += fmt::format("\\x{:02x}", u);
            else
                out += c;
        }
    }
    out += '"';
    return out;
}

std::string escape_command(const std::vector<std::string>& argv)
{
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty())
            out += ' ';
        for (char c : escape_word(arg)) {
            out += c;
            if (c == '$')
                out += '$';
        }
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
    std::string out;
    if (!header_.empty())
        out += "# " + single_line(header_) + "\n";
    for (size_t i = 0; i < sections_.size(); ++i) {
        if (i || !header_.empty())
            out += "\n";
        out += "[" + sections_[i].name + "]\n";
        for (const auto& [key, value] : sections_[i].entries)
            out += key + "=" + value + "\n";
    }
    return out;
}

}  // namespace ezkvm::units
