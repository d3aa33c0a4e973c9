#include "import/messages.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ezkvm::import {

std::string Message::str(const std::string& config_file) const
{
    const std::string& file = this->file.empty() ? config_file : this->file;
    const char* word = level == Level::Error ? "error" : level == Level::Warning ? "warning" : "note";
    if (line > 0)
        return fmt::format("{}:{}: {}: {}", file, line, word, text);
    return fmt::format("{}: {}: {}", file, word, text);
}

void Messages::append_from(const std::string& file, const Messages& other)
{
    for (auto m : other.items_) {
        m.file = file;
        m.line = m.line > 0 ? -m.line : m.line;  // sorted in front, see sorted()
        items_.push_back(std::move(m));
    }
}

bool Messages::has_errors() const
{
    return count(Level::Error) > 0;
}

size_t Messages::count(Level level) const
{
    return static_cast<size_t>(
        std::count_if(items_.begin(), items_.end(), [&](const Message& m) { return m.level == level; }));
}

std::vector<Message> Messages::sorted() const
{
    auto out = items_;
    // Other files' messages first (their lines are stored negated), then the config's by line, file-wide last.
    auto rank = [](const Message& m) { return !m.file.empty() ? -(1 << 30) - m.line : m.line > 0 ? m.line : 1 << 30; };
    std::stable_sort(out.begin(), out.end(), [&](const Message& a, const Message& b) { return rank(a) < rank(b); });
    for (auto& m : out)
        if (!m.file.empty() && m.line < 0)
            m.line = -m.line;
    return out;
}

}  // namespace ezkvm::import
