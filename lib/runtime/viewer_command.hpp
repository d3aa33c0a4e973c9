#pragma once
// Which program shows a VM's display and how it is called (`ezkvm view`).
// Pure: from the VM's spec and paths to candidate command lines, so every
// display kind is testable without a desktop or a running VM.
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/spec.hpp"
#include "base/vm_paths.hpp"

namespace ezkvm::runtime {

struct ViewerInput {
    std::string vm;
    const config::VmSpec* spec = nullptr;
    VmPaths paths;
    // The display's password, already read from its file or credential;
    // nullopt when it has none or it could not be read.
    std::optional<std::string> password;
};

struct ViewerCommand {
    std::vector<std::string> argv;  // argv[0]: the program, looked up on PATH
    std::string package;            // the Debian package that ships argv[0]
    // A remote-viewer connection file carrying the password, which never goes
    // on a command line: the caller writes it to a private file and runs
    // argv[0] with that file instead of the rest of argv. Empty: none.
    std::string connection_file;
    std::vector<std::string> notes;  // what the user should know (printed to stderr)
};

// The viewers that fit, in order of preference; an error says why there is
// none (a gtk or sdl display, no display at all).
Result<std::vector<ViewerCommand>> viewer_commands(const ViewerInput& input);

// The file the display's password is read from ("" when it has none): the
// configured password_file, or the credential in the unit's credentials directory.
std::string viewer_password_path(const config::VmSpec& spec, const VmPaths& paths);

// `path` as the path part of a URI: bytes outside RFC 3986's unreserved set
// and '/' percent-encoded.
std::string uri_path(const std::string& path);

}  // namespace ezkvm::runtime
