#pragma once
// Every mapping a VM file may hold and the keys it may hold, declared once as
// data. A MapReader takes its keys from here (any other key is an error, with a
// "did you mean" among them), and config-keys prints all of it so that
// ezkvm.yaml(5) is checked against every key, not only those test files reach.
#include <string>
#include <string_view>
#include <vector>

namespace ezkvm::config {

struct KeySection {
    std::string path;               // "system.cpu"; list items as "storage[].drives[]"; "" the top level
    std::string form;               // a second shape of the same path ("group": a storage[] controller group)
    std::vector<std::string> keys;
};

const std::vector<KeySection>& key_table();

// The keys of the mapping at `path` ("storage[2].drives[0]" reads "storage[].drives[]");
// a path the table lacks is a parser bug and throws std::logic_error.
const std::vector<std::string>& keys_of(std::string_view path, std::string_view form = {});

}  // namespace ezkvm::config
