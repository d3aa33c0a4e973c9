#pragma once
// Writing generated files into the generator's output directory: each file
// appears complete or not at all, and never replaces an existing one, so a
// file generated twice is an error instead of a silent overwrite.
#include <set>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "units/generated_file.hpp"

namespace ezkvm::generator {

class OutputDir {
public:
    // The directory at `path`, which must exist.
    explicit OutputDir(std::string path);

    // Creates `file` (and the directories leading to it).
    Result<void> write_exclusive(const units::GeneratedFile& file);

private:
    std::string full(const std::string& relative) const;
    Result<void> make_parents(const std::string& relative);
    Result<void> write_regular(const std::string& relative, const std::string& content);
    Result<void> write_renamed(const std::string& relative, const std::string& content);
    Result<void> write_symlink(const std::string& relative, const std::string& target);

    std::string path_;
    Fd dir_;
    int open_error_ = 0;
    bool anonymous_files_ = true;   // O_TMPFILE and /proc/self/fd work here
    bool mode_needs_fchmod_ = false;  // the umask would take bits off 0644
    std::set<std::string> dirs_;    // directories below path_ known to exist
};

}  // namespace ezkvm::generator
