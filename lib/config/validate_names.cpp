// Names and small formats in VM files. Each rule is checked with plain code
// (text_checks.hpp) and comes with the pattern the VM file format documents.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "config/parse.hpp"
#include "config/parse_internal.hpp"
#include "config/text_checks.hpp"

namespace ezkvm::config {
namespace {

using namespace detail;

bool dot_name(std::string_view text) { return text == "." || text == ".."; }

// [1-9][0-9]{0,4}
bool window_dimension(std::string_view text)
{
    return text.size() >= 1 && text.size() <= 5 && text[0] != '0' && all_of_class(text, is_digit);
}

// [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?
bool host_label(std::string_view label)
{
    return !label.empty() && is_alnum(label.front()) && is_alnum(label.back()) &&
           all_of_class(label, [](char c) { return is_alnum(c) || c == '-'; });
}

}  // namespace

bool valid_vm_name(std::string_view name)
{
    // [A-Za-z0-9][A-Za-z0-9_.-]*
    return name.size() <= 64 && !name.empty() && is_alnum(name[0]) && all_of_class(name, is_name_char);
}

namespace detail {

bool valid_interface_name(std::string_view text)
{
    // [A-Za-z0-9_.-]{1,15}
    return !dot_name(text) && text.size() <= 15 && all_of_class(text, is_name_char);
}

bool valid_user_name(std::string_view text)
{
    // [a-z_][a-z0-9_-]*\$?
    if (text.size() > 32 || text.empty() || !(is_lower(text[0]) || text[0] == '_'))
        return false;
    if (text.back() == '$')
        text.remove_suffix(1);
    return text.empty() || all_of_class(text, [](char c) { return is_lower(c) || is_digit(c) || c == '_' || c == '-'; });
}

bool valid_template_name(std::string_view text)
{
    // [a-z0-9][a-z0-9._-]*
    return !text.empty() && (is_lower(text[0]) || is_digit(text[0])) &&
           all_of_class(text, [](char c) { return is_name_char(c) && !is_upper(c); });
}

bool valid_credential_name(std::string_view text)
{
    // [A-Za-z0-9_.-]+
    return !dot_name(text) && all_of_class(text, is_name_char);
}

bool valid_cpu_model(std::string_view text)
{
    // [A-Za-z0-9._-]+
    return all_of_class(text, is_name_char);
}

bool valid_cpu_flag(std::string_view text)
{
    // [+-]?[A-Za-z0-9_.-]+(=[A-Za-z0-9_.-]+)?
    if (!text.empty() && (text[0] == '+' || text[0] == '-'))
        text.remove_prefix(1);
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos)
        return all_of_class(text, is_name_char);
    return all_of_class(text.substr(0, equals), is_name_char) && all_of_class(text.substr(equals + 1), is_name_char);
}

bool valid_machine_version(std::string_view text)
{
    // [0-9]+\.[0-9]+
    const size_t dot = text.find('.');
    return dot != std::string_view::npos && all_of_class(text.substr(0, dot), is_digit) &&
           all_of_class(text.substr(dot + 1), is_digit);
}

bool valid_drive_serial(std::string_view text)
{
    // [A-Za-z0-9._-]{1,20}
    return text.size() <= 20 && all_of_class(text, is_name_char);
}

bool valid_key_name(std::string_view text)
{
    // KEY_[A-Z0-9_]+
    return text.starts_with("KEY_") &&
           all_of_class(text.substr(4), [](char c) { return is_upper(c) || is_digit(c) || c == '_'; });
}

bool valid_window_size(std::string_view text)
{
    // [1-9][0-9]{0,4}x[1-9][0-9]{0,4}
    const size_t x = text.find('x');
    return x != std::string_view::npos && window_dimension(text.substr(0, x)) && window_dimension(text.substr(x + 1));
}

bool valid_shared_memory_path(std::string_view text)
{
    // /dev/kvmfr[0-9]+ or /dev/shm/[A-Za-z0-9_.-]+
    constexpr std::string_view kvmfr = "/dev/kvmfr";
    constexpr std::string_view shm = "/dev/shm/";
    if (text.starts_with(kvmfr))
        return all_of_class(text.substr(kvmfr.size()), is_digit);
    return text.starts_with(shm) && !dot_name(text.substr(shm.size())) &&
           all_of_class(text.substr(shm.size()), is_name_char);
}

bool valid_ipv4(std::string_view text)
{
    in_addr addr{};
    return inet_pton(AF_INET, std::string(text).c_str(), &addr) == 1;
}

bool valid_listen_address(std::string_view text)
{
    in6_addr addr6{};
    if (valid_ipv4(text) || inet_pton(AF_INET6, std::string(text).c_str(), &addr6) == 1)
        return true;
    // All-numeric names are mistyped IPv4 addresses, not host names.
    if (all_of_class(text, [](char c) { return is_digit(c) || c == '.'; }))
        return false;
    if (text.size() > 253)
        return false;
    // labels [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])? separated by dots
    size_t start = 0;
    while (true) {
        const size_t dot = std::min(text.find('.', start), text.size());
        if (!host_label(text.substr(start, dot - start)))
            return false;
        if (dot == text.size())
            return true;
        start = dot + 1;
    }
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
