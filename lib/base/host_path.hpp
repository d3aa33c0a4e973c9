#pragma once
// Host paths as systemd and the sandbox see them: normalized, and told apart
// as device nodes or files.
#include <string>
#include <string_view>

namespace ezkvm {

// `path` with empty and "." components dropped and ".." resolved lexically
// (systemd refuses paths that are not normalized), without a trailing slash.
std::string normalize_path(std::string_view path);

// The directory a normalized path is in ("/" for "/disk.img").
std::string parent_directory(const std::string& path);

// Under /dev but not a file in /dev/shm: a device node.
bool is_device_path(const std::string& path);

// A directory that holds the host's own files, never one VM's: "/", /etc, /usr,
// /boot, /proc, /sys, /dev and /run with everything under them, and /var,
// /var/lib, /var/cache, /var/log, /home, /root, /tmp, /var/tmp and the /bin and /lib
// directories themselves. A VM may write a disk there, but not the directory.
// (Normalized paths; a mount point such as /srv or /data is the admin's to give.)
bool is_system_directory(const std::string& dir);

}  // namespace ezkvm
