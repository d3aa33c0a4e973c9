// Prints every config key path the parser knows, one per line ("system.cpu.cores",
// "storage[].drives[].file"), for tests/manpage/check_keys.py to compare with
// ezkvm.yaml(5). The parser records the keys of each mapping it reads
// (MapReader::schema()), so the VM files given as arguments are parsed first:
// together they must reach every mapping (sections, list items, sub-mappings).
#include <cstdio>
#include <string>

#include "config/load.hpp"
#include "config/parse.hpp"
#include "config/reader.hpp"

int main(int argc, char** argv)
{
    using namespace ezkvm::config;
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s VM.yaml...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; ++i) {
        ezkvm::Diagnostics diags;  // the files' own errors don't matter here, only what was read
        if (auto root = load_yaml_file(argv[i], argv[i], diags))
            parse_spec(*root, "keys", diags);
    }
    for (const auto& [pattern, keys] : MapReader::schema())
        for (const auto& key : keys)
            std::printf("%s\n", pattern.empty() ? key.c_str() : (pattern + "." + key).c_str());
    return 0;
}
