// Prints every config key path of the key table (config/keys.hpp), one per line
// ("system.cpu.cores", "storage[].drives[].file"), for tests/manpage/check_keys.py
// to compare with ezkvm.yaml(5).
#include <cstdio>
#include <set>
#include <string>

#include "config/keys.hpp"

int main()
{
    std::set<std::string> printed;  // storage[] has two forms sharing no key, but print each path once
    for (const auto& section : ezkvm::config::key_table())
        for (const auto& key : section.keys) {
            const std::string path = section.path.empty() ? key : section.path + "." + key;
            if (printed.insert(path).second)
                std::printf("%s\n", path.c_str());
        }
    return 0;
}
