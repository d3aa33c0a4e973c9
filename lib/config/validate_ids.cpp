// Hardware identifiers in VM files: checked and brought to one spelling so
// that comparisons (duplicate MACs, PCI addresses) and qemu options see the
// same text whatever case or separator the user wrote.
#include <cctype>
#include <regex>
#include <string>

#include "config/parse_internal.hpp"

namespace ezkvm::config::detail {
namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool matches(std::string_view text, const std::regex& re)
{
    return std::regex_match(text.begin(), text.end(), re);
}

unsigned hex_value(const std::string& text) { return static_cast<unsigned>(std::stoul(text, nullptr, 16)); }

}  // namespace

std::optional<std::string> normalise_mac(std::string_view text)
{
    static const std::regex re("[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}");
    if (!matches(text, re))
        return std::nullopt;
    std::string mac = lower(text);
    for (char& c : mac)
        if (c == '-')
            c = ':';
    return mac;
}

bool mac_is_multicast(const std::string& mac) { return hex_value(mac.substr(0, 2)) & 1u; }

bool mac_is_zero(const std::string& mac) { return mac == "00:00:00:00:00:00"; }

std::optional<std::string> normalise_pci_address(std::string_view text)
{
    static const std::regex re("(?:([0-9A-Fa-f]{4}):)?([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\\.([0-7])");
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_match(text.begin(), text.end(), m, re))
        return std::nullopt;
    if (hex_value(m[3].str()) > 0x1f)
        return std::nullopt;
    const std::string domain = m[1].matched ? m[1].str() : "0000";
    return lower(domain + ":" + m[2].str() + ":" + m[3].str() + "." + m[4].str());
}

std::optional<std::pair<unsigned, unsigned>> parse_vm_pci_id(std::string_view text)
{
    static const std::regex re("([0-9A-Fa-f]{1,2})\\.([0-7])");
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_match(text.begin(), text.end(), m, re))
        return std::nullopt;
    const unsigned slot = hex_value(m[1].str());
    if (slot > 0x1f)
        return std::nullopt;
    return std::pair{slot, static_cast<unsigned>(m[2].str()[0] - '0')};
}

std::optional<std::string> normalise_uuid(std::string_view text)
{
    static const std::regex re("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");
    if (!matches(text, re))
        return std::nullopt;
    return lower(text);
}

std::optional<std::string> normalise_usb_id(std::string_view text)
{
    static const std::regex re("[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}");
    if (!matches(text, re))
        return std::nullopt;
    return lower(text);
}

bool valid_usb_port(std::string_view text)
{
    static const std::regex re("[1-9][0-9]?(\\.[1-9][0-9]?){0,4}");
    return matches(text, re);
}

}  // namespace ezkvm::config::detail
