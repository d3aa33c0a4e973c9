#include "import/qm_config.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "import/text.hpp"

#include "base/utf8.hpp"

namespace ezkvm::import {
namespace {

bool is_key(std::string_view key)
{
    if (key.empty() || key.size() > 64 || key.front() < 'a' || key.front() > 'z')
        return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// Tabs are the only control characters a config line may hold.
bool has_control(std::string_view line)
{
    return std::any_of(line.begin(), line.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t' && c != '\r') || u == 0x7f;
    });
}

enum class Section { Main, Pending, Cloudinit, Snapshot };

struct SectionHeader {
    Section kind;
    std::string name;
};

std::optional<SectionHeader> section_header(std::string_view line)
{
    if (line.size() < 3 || line.front() != '[' || line.back() != ']')
        return std::nullopt;
    std::string name(line.substr(1, line.size() - 2));
    const std::string folded = lower(name);
    if (folded == "pending")
        return SectionHeader{Section::Pending, name};
    if (folded == "special:cloudinit")
        return SectionHeader{Section::Cloudinit, name};
    const bool valid = std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    if (!valid || !std::isalpha(static_cast<unsigned char>(name.front())))
        return std::nullopt;
    return SectionHeader{Section::Snapshot, name};
}

void note_section(const SectionHeader& header, int line, Messages& msgs)
{
    switch (header.kind) {
    case Section::Pending:
        msgs.note(line, "pending changes are ignored: the import takes the configuration the VM runs with "
                        "(apply them in Proxmox first if you want them)");
        break;
    case Section::Cloudinit:
        msgs.note(line, "the cloud-init state section is ignored");
        break;
    case Section::Snapshot:
        msgs.note(line, fmt::format("snapshot '{}' is ignored: ezkvm imports the current state only", header.name));
        break;
    case Section::Main: break;
    }
}

}  // namespace

std::string percent_decode(std::string_view text)
{
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const int hi = text[i] == '%' && i + 2 < text.size() ? hex(text[i + 1]) : -1;
        const int lo = hi >= 0 ? hex(text[i + 2]) : -1;
        if (lo >= 0) {
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
            continue;
        }
        out += text[i];
    }
    return out;
}

const QmEntry* QmConfig::find(std::string_view key) const
{
    for (const auto& e : entries)
        if (e.key == key)
            return &e;
    return nullptr;
}

std::vector<const QmEntry*> QmConfig::numbered(std::string_view prefix) const
{
    std::vector<std::pair<unsigned long, const QmEntry*>> found;
    for (const auto& e : entries) {
        if (e.key.size() <= prefix.size() || e.key.compare(0, prefix.size(), prefix) != 0)
            continue;
        const std::string digits = e.key.substr(prefix.size());
        if (digits.size() > 3 || !all_digits(digits))
            continue;
        found.emplace_back(std::stoul(digits), &e);
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<const QmEntry*> out;
    for (const auto& f : found)
        out.push_back(f.second);
    return out;
}

std::optional<QmConfig> parse_qm_config(std::string_view text, Messages& msgs)
{
    if (text.size() > max_qm_config_bytes) {
        msgs.error(0, fmt::format("the file is larger than {} bytes: not a qm config", max_qm_config_bytes));
        return std::nullopt;
    }
    if (auto bad = first_invalid_utf8(text)) {
        const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(*bad), '\n'));
        msgs.error(line, "the text is not UTF-8");
        return std::nullopt;
    }
    QmConfig config;
    Section section = Section::Main;
    std::set<std::string> seen;
    int line_no = 0;
    const auto lines = split(text, '\n');
    for (size_t i = 0; i < lines.size() && !(i + 1 == lines.size() && lines[i].empty()); ++i) {
        const std::string_view raw = lines[i];
        ++line_no;
        if (has_control(raw)) {
            msgs.error(line_no, "control character in the line");
            continue;
        }
        const std::string_view line = trim(raw);
        if (line.empty())
            continue;
        if (auto header = section_header(line)) {
            section = header->kind;
            note_section(*header, line_no, msgs);
            continue;
        }
        if (line.front() == '#') {
            if (section == Section::Main) {
                if (config.description.empty())
                    config.description_line = line_no;
                config.description.push_back(percent_decode(line.substr(1)));
            }
            continue;
        }
        const size_t colon = line.find(':');
        const std::string_view key = colon == std::string_view::npos ? line : line.substr(0, colon);
        if (colon == std::string_view::npos || !is_key(key)) {
            msgs.error(line_no, fmt::format("expected 'key: value', a '#' comment or a '[section]', got '{}'",
                                            line.substr(0, 80)));
            continue;
        }
        const std::string_view value = trim(line.substr(colon + 1));
        if (section != Section::Main)
            continue;
        if (value.empty()) {
            msgs.error(line_no, fmt::format("'{}' has no value", key));
            continue;
        }
        if (!seen.insert(std::string(key)).second) {
            msgs.error(line_no, fmt::format("'{}' is given twice", key));
            continue;
        }
        config.entries.push_back({std::string(key), std::string(value), line_no});
    }
    return config;
}

}  // namespace ezkvm::import
