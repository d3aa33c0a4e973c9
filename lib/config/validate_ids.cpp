// Hardware identifiers in VM files: checked and brought to one spelling so
// that comparisons (duplicate MACs, PCI addresses) and qemu options see the
// same text whatever case or separator the user wrote.
#include <algorithm>
#include <cctype>
#include <string>

#include "config/parse_internal.hpp"
#include "config/text_checks.hpp"

namespace ezkvm::config::detail {
namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

unsigned hex_value(std::string_view text) { return static_cast<unsigned>(std::stoul(std::string(text), nullptr, 16)); }

// "03:00.0": bus:slot.function, the slot at most 1f.
bool bus_slot_function(std::string_view text)
{
    return text.size() == 7 && hex_digits(text.substr(0, 2), 2) && text[2] == ':' && hex_digits(text.substr(3, 2), 2) &&
           text[5] == '.' && text[6] >= '0' && text[6] <= '7' && hex_value(text.substr(3, 2)) <= 0x1f;
}

}  // namespace

std::optional<std::string> normalise_mac(std::string_view text)
{
    // [0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}
    if (text.size() != 17)
        return std::nullopt;
    for (size_t i = 0; i < text.size(); i += 3)
        if (!hex_digits(text.substr(i, 2), 2) || (i + 2 < text.size() && text[i + 2] != ':' && text[i + 2] != '-'))
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
    // ([0-9A-Fa-f]{4}:)?[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]
    if (text.size() == 7 && bus_slot_function(text))
        return "0000:" + lower(text);
    if (text.size() == 12 && hex_digits(text.substr(0, 4), 4) && text[4] == ':' && bus_slot_function(text.substr(5)))
        return lower(text);
    return std::nullopt;
}

std::optional<std::pair<unsigned, unsigned>> parse_vm_pci_id(std::string_view text)
{
    // [0-9A-Fa-f]{1,2}\.[0-7]
    const size_t dot = text.find('.');
    if (dot == std::string_view::npos || dot < 1 || dot > 2 || text.size() != dot + 2 ||
        !hex_digits(text.substr(0, dot), dot) || text[dot + 1] < '0' || text[dot + 1] > '7')
        return std::nullopt;
    const unsigned slot = hex_value(text.substr(0, dot));
    if (slot > 0x1f)
        return std::nullopt;
    return std::pair{slot, static_cast<unsigned>(text[dot + 1] - '0')};
}

std::optional<std::string> normalise_uuid(std::string_view text)
{
    // 8-4-4-4-12 hexadecimal digits
    if (text.size() != 36)
        return std::nullopt;
    size_t at = 0;
    for (size_t group : {8, 4, 4, 4, 12}) {
        if (!hex_digits(text.substr(at, group), group) || (at + group < text.size() && text[at + group] != '-'))
            return std::nullopt;
        at += group + 1;
    }
    return lower(text);
}

std::optional<std::string> normalise_usb_id(std::string_view text)
{
    if (text.size() != 9 || !hex_digits(text.substr(0, 4), 4) || text[4] != ':' || !hex_digits(text.substr(5), 4))
        return std::nullopt;
    return lower(text);
}

bool valid_usb_id_half(std::string_view text) { return hex_digits(text, 4); }

bool valid_usb_port(std::string_view text)
{
    // [1-9][0-9]?(\.[1-9][0-9]?){0,4}
    size_t parts = 0;
    size_t start = 0;
    while (true) {
        const size_t dot = std::min(text.find('.', start), text.size());
        const std::string_view part = text.substr(start, dot - start);
        if (part.size() < 1 || part.size() > 2 || part[0] == '0' || !all_of_class(part, is_digit) || ++parts > 5)
            return false;
        if (dot == text.size())
            return true;
        start = dot + 1;
    }
}

}  // namespace ezkvm::config::detail
