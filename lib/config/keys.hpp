#pragma once
// Every mapping a VM file may hold and its keys, declared once as data: each
// key with its type, its default and a one-line description. A MapReader takes
// its keys from here (any other key is an error, with a "did you mean" among
// them), and config-keys prints all of it so that ezkvm.yaml(5) is checked
// against every key and default, not only the keys test files reach.
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::config {

enum class KeyType { Map, List, Bool, Number, Size, Duration, Path, Choice, String };

struct Key {
    std::string name;
    KeyType type;
    std::string default_value;  // as ezkvm.yaml(5) gives it; empty: none, or it depends
    std::string description;
};

struct KeySection {
    std::string path;  // "system.cpu"; list items as "storage[].drives[]"; "" the top level
    std::string form;  // a second shape of the same path ("group": a storage[] controller group)
    std::vector<Key> keys;
};

const std::vector<KeySection>& key_table();

// The keys of the mapping at `path` ("storage[2].drives[0]" reads "storage[].drives[]");
// a path the table lacks is a parser bug and throws std::logic_error.
std::vector<std::string> keys_of(std::string_view path, std::string_view form = {});

const char* type_name(KeyType type);  // "bool"

}  // namespace ezkvm::config
