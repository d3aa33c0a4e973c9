#pragma once
// Taps on host bridges for users' own VMs. A user's qemu may not make a tap,
// so the user VM asks root's ezkvm-bridge-tap.socket for one: the request
// names the VM, the NIC's index and the bridge; root checks the asker's
// credentials from the socket (SO_PEERCRED, SO_PEERGROUPS) and the admin's
// /etc/qemu/bridge.conf, makes a tap that is not persistent, puts it on the
// bridge and hands back its open fd (SCM_RIGHTS). The tap lives exactly as long
// as that fd: it leaves the bridge and disappears when qemu exits, crashes included.
#include <sys/types.h>

#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace ezkvm::net {

// Where root's tap service listens (no VM can be called _bridge-tap).
inline constexpr const char* bridge_tap_socket = "/run/ezkvm/_bridge-tap.sock";

struct BridgeTapRequest {
    std::string vm;      // the user VM's name
    unsigned nic = 0;    // its index in the VM's network list
    std::string bridge;  // the host bridge to join
};

// The tap's name: "ez" + 8 hex digits of a hash of the user's uid and the VM's
// name + "u" + the NIC's index (two users' VMs of one name get different taps).
std::string user_tap_name(uid_t uid, const std::string& vm, unsigned nic);

// Whether `name` can be an interface name (1 to 15 characters, none of them
// '/', ':', white space or a control character, not "." or "..").
bool valid_interface_name(const std::string& name);

// One line of JSON each way: the request, and the reply with the tap's fd
// attached or an error with a hint.
std::string encode_request(const BridgeTapRequest& request);
Result<BridgeTapRequest> decode_request(const std::string& line);

// The user side: asks the service at `socket_path` for the tap.
Result<Fd> request_bridge_tap(const std::string& socket_path, const BridgeTapRequest& request);

// The root side, on one accepted connection: reads the request (at most 4 KiB).
Result<BridgeTapRequest> read_request(int connection);
// Sends the tap's fd and its name, or `error` (with `hint`) when `tap` is invalid.
Result<void> send_reply(int connection, int tap, const std::string& ifname, const std::string& error = {},
                        const std::string& hint = {});

}  // namespace ezkvm::net
