#pragma once
// One file the generator writes, relative to its output directory.
#include <string>
#include <vector>

namespace ezkvm::units {

struct GeneratedFile {
    std::string path;     // "ezkvm@web.service.d/50-ezkvm.conf"
    std::string content;  // the text of a regular file
    std::string target;   // non-empty: a symlink pointing here instead

    bool is_symlink() const { return !target.empty(); }
};

// How --dry-run and `ezkvm show --units` print files: "# <path>" and the
// content, or "# <path> -> <target>" for a symlink; a blank line between files.
std::string render_listing(const std::vector<GeneratedFile>& files);

}  // namespace ezkvm::units
