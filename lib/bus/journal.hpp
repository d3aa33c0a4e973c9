#pragma once
// A unit's messages from the journal (sd-journal), matched the way
// `journalctl -u` / `journalctl --user-unit` match them.
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "bus/error.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::bus {

struct JournalQuery {
    std::string unit;
    Scope scope = Scope::System;
    uid_t uid = 0;  // the user manager's user (Scope::User)
};

// The last `count` entries, oldest first, each "Mon DD HH:MM:SS identifier[pid]: message".
Result<std::vector<std::string>> journal_tail(const JournalQuery& query, unsigned count);

// Prints the last `count` entries through `print`, then every new one as it
// arrives, until `print` returns false.
Result<void> journal_follow(const JournalQuery& query, unsigned count,
                            const std::function<bool(const std::string&)>& print);

}  // namespace ezkvm::bus
