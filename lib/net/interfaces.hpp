#pragma once
// Kernel network interfaces, made and removed by ezkvm-helper (as root): taps
// through /dev/net/tun, bridge ports and link state through ioctls, macvtaps and
// deletion through rtnetlink. No ip(8), no shell.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace ezkvm::net {

bool link_exists(const std::string& name);
std::vector<std::string> link_names();
// Whether `bridge` is a bridge (it has /sys/class/net/<bridge>/bridge).
bool is_bridge(const std::string& name);

// Errors say what went wrong: "TUNSETIFF ez1234abcdn0: Operation not permitted".

// A persistent tap (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, and IFF_MULTI_QUEUE for a NIC with
// several queue pairs) that `uid` may open without privileges.
Result<void> create_tap(const std::string& name, uid_t uid, gid_t gid, bool multi_queue);
// A tap that lives as long as the returned fd (not persistent): for handing to a
// user's qemu, so the tap goes with qemu whatever way it ends.
Result<Fd> open_tap(const std::string& name);
Result<void> join_bridge(const std::string& name, const std::string& bridge);
Result<void> set_up(const std::string& name);

// A macvtap on `parent` in bridge mode with address `mac`.
Result<void> create_macvtap(const std::string& name, const std::string& parent, const std::string& mac);
// "/dev/tapN" of a macvtap, from sysfs: (path, major, minor); nullopt when not found.
struct CharDevice {
    std::string path;
    unsigned major = 0;
    unsigned minor = 0;
};
std::optional<CharDevice> macvtap_device(const std::string& name);
// Opens the devices of the macvtaps `names` for qemu (read-write, close-on-exec), in order.
Result<std::vector<Fd>> open_macvtaps(const std::vector<std::string>& names);

// Removes any link (tap, macvtap).
Result<void> delete_link(const std::string& name);

}  // namespace ezkvm::net
