#include "base/diagnostic.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace ezkvm {

std::string Pos::str() const
{
    if (!file)
        return {};
    if (line <= 0)
        return *file;
    return fmt::format("{}:{}:{}", *file, line, column);
}

std::string Diagnostic::str() const
{
    std::string out;
    const std::string where = pos.str();
    if (!where.empty())
        out += where + ": ";
    out += severity == Severity::Error ? "error: " : "warning: ";
    if (!path.empty())
        out += path + ": ";
    out += message;
    if (!hint.empty())
        out += " (" + hint + ")";
    return out;
}

void Diagnostics::error(Pos pos, std::string path, std::string message, std::string hint)
{
    items_.push_back({Severity::Error, std::move(pos), std::move(path), std::move(message), std::move(hint)});
}

void Diagnostics::warning(Pos pos, std::string path, std::string message, std::string hint)
{
    items_.push_back({Severity::Warning, std::move(pos), std::move(path), std::move(message), std::move(hint)});
}

void Diagnostics::append(const Diagnostics& other)
{
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const
{
    return std::count_if(items_.begin(), items_.end(),
                         [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

size_t Diagnostics::warning_count() const { return items_.size() - error_count(); }

}  // namespace ezkvm
