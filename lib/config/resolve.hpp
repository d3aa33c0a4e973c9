#pragma once
// From a VM name or file to its merged configuration and VmSpec:
// built-ins (VmSpec defaults) < OS template < site defaults.yaml < VM file.
#include <optional>
#include <string>
#include <vector>

#include "config/environment.hpp"
#include "config/node.hpp"
#include "config/spec.hpp"

namespace ezkvm::config {

struct LoadedVm {
    std::string name;
    std::string source;         // the VM file, as shown to the user
    std::string template_file;  // the template used, "" when none
    Node merged;                // template (or the original tool's defaults) < defaults < VM file
    bool original_format = false;  // a file of the original tool (config/original_format.hpp)
    VmSpec spec;                // valid only when no error was reported
};

struct VmFile {
    std::string name;     // file name without .yaml
    std::string path;     // unprefixed (/etc/ezkvm/win11.yaml)
};

// Every *.yaml VM file in the environment's config directories (not templates,
// not defaults.yaml), sorted by name; earlier directories win on equal names.
std::vector<VmFile> find_vm_files(const Environment& env);

// Whether a command-line argument names a VM file rather than a VM: it has a '/'
// or ends in .yaml/.yml.
bool is_file_argument(const std::string& arg);

// `arg` is a path (is_file_argument) or the name of a VM in the config
// directories. Errors go to `diags`; nullopt when nothing could be read.
std::optional<LoadedVm> load_vm(const std::string& arg, const Environment& env, Diagnostics& diags);

// Loads a VM file by its real path; `display` is how messages name it.
std::optional<LoadedVm> load_vm_file(const std::string& real_path, const std::string& display,
                                     const Environment& env, Diagnostics& diags);

// Names of the templates the environment offers (for messages and listings).
std::vector<std::string> template_names(const Environment& env);

}  // namespace ezkvm::config
