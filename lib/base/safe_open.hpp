#pragma once
// Opening and making files the way root must where a VM's user can change the
// path: one directory fd at a time, never through a symlink someone else than
// root could have made, and then only by fd (fchown, fchmod, openat, renameat2, linkat). When a process acts for
// itself, symlinks are its own business and are followed.
#include <sys/types.h>

#include <string>

#include "base/fd.hpp"
#include "base/owner.hpp"
#include "base/result.hpp"

namespace ezkvm {

enum class Links {
    Follow,  // the process acts for itself
    Refuse,  // root acting for another user: a symlink in the path is an error (ELOOP) unless it is
             // root's, in a directory of root's that nobody else may write
};

// Refuse when files are made for someone else than this process.
Links links_for(const Owner& owner);

// Opens directory `path` (absolute).
Result<Fd> open_directory(const std::string& path, Links links);
// The same, making the missing directories on the way (mode 0755, this process's).
Result<Fd> make_directories(const std::string& path, Links links);

// `name` in `dir`, never following a symlink there; -1 with errno when it fails.
int open_beneath(const Fd& dir, const std::string& name, int flags, mode_t mode = 0);

// Gives the file behind `fd` to `owner` (and nothing else). Works on O_PATH fds too.
Result<void> give_fd_to(const Fd& fd, const Owner& owner);

// An unnamed file in `dir` (O_TMPFILE), or where the file system has none a
// hidden one named after `name`; publish_file gives it `name` unless that exists.
struct NewFile {
    Fd fd;
    std::string temp_name;  // "" for an unnamed file
};
Result<NewFile> create_new_file(const Fd& dir, const std::string& name, mode_t mode);
// false (no error) when `name` exists already: whoever made it first wins, the new file is dropped.
Result<bool> publish_file(const Fd& dir, NewFile& file, const std::string& name);
void discard_file(const Fd& dir, NewFile& file);

// The path through which a child process may open `fd` (/proc/self/fd/N).
std::string fd_path(const Fd& fd);

}  // namespace ezkvm
