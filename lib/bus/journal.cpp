#include "bus/journal.hpp"

#include <cstring>
#include <ctime>
#include <memory>

#include <fmt/format.h>
#include <systemd/sd-journal.h>

namespace ezkvm::bus {
namespace {

struct JournalClose {
    void operator()(sd_journal* j) const { sd_journal_close(j); }
};
using Journal = std::unique_ptr<sd_journal, JournalClose>;

Error journal_error(std::string_view what, int r)
{
    return errno_error(what, -r);
}

int add_match(sd_journal* j, const std::string& match)
{
    return sd_journal_add_match(j, match.data(), match.size());
}

// journalctl -u: the unit's processes, or systemd's own messages about it.
int add_unit_matches(sd_journal* j, const JournalQuery& query)
{
    int r;
    if (query.scope == Scope::System) {
        r = add_match(j, "_SYSTEMD_UNIT=" + query.unit);
        if (r >= 0)
            r = sd_journal_add_disjunction(j);
        if (r >= 0)
            r = add_match(j, "UNIT=" + query.unit);
        if (r >= 0)
            r = add_match(j, "_PID=1");
        return r;
    }
    const std::string uid = fmt::format("_UID={}", query.uid);
    r = add_match(j, "_SYSTEMD_USER_UNIT=" + query.unit);
    if (r >= 0)
        r = add_match(j, uid);
    if (r >= 0)
        r = sd_journal_add_disjunction(j);
    if (r >= 0)
        r = add_match(j, "USER_UNIT=" + query.unit);
    if (r >= 0)
        r = add_match(j, uid);
    return r;
}

Result<Journal> open_journal(const JournalQuery& query)
{
    sd_journal* j = nullptr;
    int r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
    if (r < 0)
        return journal_error("cannot open the journal", r);
    Journal journal(j);
    r = add_unit_matches(j, query);
    if (r < 0)
        return journal_error("cannot filter the journal", r);
    return journal;
}

std::string field(sd_journal* j, const char* name)
{
    const void* data = nullptr;
    size_t length = 0;
    if (sd_journal_get_data(j, name, &data, &length) < 0)
        return {};
    const std::string_view entry(static_cast<const char*>(data), length);
    const auto equals = entry.find('=');
    return equals == std::string_view::npos ? std::string() : std::string(entry.substr(equals + 1));
}

// The current entry like journalctl's short output.
std::string format_entry(sd_journal* j)
{
    uint64_t usec = 0;
    sd_journal_get_realtime_usec(j, &usec);
    const time_t seconds = static_cast<time_t>(usec / 1000000);
    tm local{};
    localtime_r(&seconds, &local);
    char when[32];
    std::strftime(when, sizeof when, "%b %d %H:%M:%S", &local);
    std::string identifier = field(j, "SYSLOG_IDENTIFIER");
    if (identifier.empty())
        identifier = field(j, "_COMM");
    const std::string pid = field(j, "_PID");
    std::string message = field(j, "MESSAGE");
    return pid.empty() ? fmt::format("{} {}: {}", when, identifier, message)
                       : fmt::format("{} {}[{}]: {}", when, identifier, pid, message);
}

// Positions the journal so that the next sd_journal_next() returns the first of the last `count`.
int seek_last(sd_journal* j, unsigned count)
{
    if (count > static_cast<unsigned>(INT32_MAX))  // "all"
        return sd_journal_seek_head(j);
    int r = sd_journal_seek_tail(j);
    if (r < 0)
        return r;
    r = sd_journal_previous_skip(j, count + 1);
    if (r < 0)
        return r;
    if (static_cast<unsigned>(r) <= count)  // fewer entries than asked for: start at the head
        return sd_journal_seek_head(j);
    return 0;
}

}  // namespace

Result<std::vector<std::string>> journal_tail(const JournalQuery& query, unsigned count)
{
    auto journal = open_journal(query);
    if (!journal)
        return journal.error();
    sd_journal* j = journal.value().get();
    std::vector<std::string> lines;
    if (count == 0)
        return lines;
    int r = seek_last(j, count);
    if (r < 0)
        return journal_error("cannot read the journal", r);
    while ((r = sd_journal_next(j)) > 0)
        lines.push_back(format_entry(j));
    if (r < 0)
        return journal_error("cannot read the journal", r);
    return lines;
}

Result<void> journal_follow(const JournalQuery& query, unsigned count,
                            const std::function<bool(const std::string&)>& print)
{
    auto journal = open_journal(query);
    if (!journal)
        return journal.error();
    sd_journal* j = journal.value().get();
    int r = count == 0 ? sd_journal_seek_tail(j) : seek_last(j, count);
    if (r >= 0 && count == 0)
        r = sd_journal_previous(j);  // after the tail: only new entries
    if (r < 0)
        return journal_error("cannot read the journal", r);
    for (;;) {
        while ((r = sd_journal_next(j)) > 0)
            if (!print(format_entry(j)))
                return {};
        if (r < 0)
            return journal_error("cannot read the journal", r);
        r = sd_journal_wait(j, UINT64_MAX);
        if (r < 0)
            return journal_error("cannot wait for the journal", r);
    }
}

}  // namespace ezkvm::bus
