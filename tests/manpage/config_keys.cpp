// Prints every config key of the key table (config/keys.hpp), one per line:
// its path ("system.cpu.cores", "storage[].drives[].file"), type and default,
// tab-separated, for tests/manpage/check_keys.py to compare with ezkvm.yaml(5).
#include <cstdio>
#include <set>
#include <string>

#include "config/keys.hpp"

int main()
{
    using namespace ezkvm::config;
    std::set<std::string> printed;  // storage[]'s two forms: each path once
    for (const auto& section : key_table())
        for (const auto& key : section.keys) {
            const std::string path = section.path.empty() ? key.name : section.path + "." + key.name;
            if (printed.insert(path).second)
                std::printf("%s\t%s\t%s\n", path.c_str(), type_name(key.type), key.default_value.c_str());
        }
    return 0;
}
