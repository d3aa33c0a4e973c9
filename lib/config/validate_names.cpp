// Names and small formats in VM files. Each rule is written as the pattern
// the VM file format documents.
#include <arpa/inet.h>

#include <cctype>
#include <regex>
#include <string>

#include "config/parse.hpp"
#include "config/parse_internal.hpp"

namespace ezkvm::config {
namespace {

bool matches(std::string_view text, const std::regex& re)
{
    return std::regex_match(text.begin(), text.end(), re);
}

bool dot_name(std::string_view text) { return text == "." || text == ".."; }

}  // namespace

bool valid_vm_name(std::string_view name)
{
    static const std::regex re("[A-Za-z0-9][A-Za-z0-9_.-]*");
    return name.size() <= 64 && matches(name, re);
}

namespace detail {

bool valid_interface_name(std::string_view text)
{
    static const std::regex re("[A-Za-z0-9_.-]{1,15}");
    return !dot_name(text) && matches(text, re);
}

bool valid_user_name(std::string_view text)
{
    static const std::regex re("[a-z_][a-z0-9_-]*\\$?");
    return text.size() <= 32 && matches(text, re);
}

bool valid_template_name(std::string_view text)
{
    static const std::regex re("[a-z0-9][a-z0-9._-]*");
    return matches(text, re);
}

bool valid_credential_name(std::string_view text)
{
    static const std::regex re("[A-Za-z0-9_.-]+");
    return !dot_name(text) && matches(text, re);
}

bool valid_cpu_model(std::string_view text)
{
    static const std::regex re("[A-Za-z0-9._-]+");
    return matches(text, re);
}

bool valid_cpu_flag(std::string_view text)
{
    static const std::regex re("[+-]?[A-Za-z0-9_.-]+(=[A-Za-z0-9_.-]+)?");
    return matches(text, re);
}

bool valid_machine_version(std::string_view text)
{
    static const std::regex re("[0-9]+\\.[0-9]+");
    return matches(text, re);
}

bool valid_drive_serial(std::string_view text)
{
    static const std::regex re("[A-Za-z0-9._-]{1,20}");
    return matches(text, re);
}

bool valid_key_name(std::string_view text)
{
    static const std::regex re("KEY_[A-Z0-9_]+");
    return matches(text, re);
}

bool valid_window_size(std::string_view text)
{
    static const std::regex re("[1-9][0-9]{0,4}x[1-9][0-9]{0,4}");
    return matches(text, re);
}

bool valid_shared_memory_path(std::string_view text)
{
    static const std::regex kvmfr("/dev/kvmfr[0-9]+");
    static const std::regex shm_name("[A-Za-z0-9_.-]+");
    constexpr std::string_view shm = "/dev/shm/";
    if (matches(text, kvmfr))
        return true;
    return text.substr(0, shm.size()) == shm && !dot_name(text.substr(shm.size())) &&
           matches(text.substr(shm.size()), shm_name);
}

bool valid_ipv4(std::string_view text)
{
    in_addr addr{};
    return inet_pton(AF_INET, std::string(text).c_str(), &addr) == 1;
}

bool valid_listen_address(std::string_view text)
{
    static const std::regex numeric("[0-9.]+");
    static const std::regex host_name("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
    in6_addr addr6{};
    if (valid_ipv4(text) || inet_pton(AF_INET6, std::string(text).c_str(), &addr6) == 1)
        return true;
    // All-numeric names are mistyped IPv4 addresses, not host names.
    if (matches(text, numeric))
        return false;
    return text.size() <= 253 && matches(text, host_name);
}

bool is_loopback(std::string_view addr)
{
    std::string lower;
    for (char c : addr)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "localhost" || lower == "::1")
        return true;
    return valid_ipv4(addr) && addr.substr(0, 4) == "127.";
}

}  // namespace detail
}  // namespace ezkvm::config
