#include "bus/transient_unit.hpp"

namespace ezkvm::bus {

std::string literal_dollars(std::string_view word)
{
    std::string out;
    for (char c : word) {
        out += c;
        if (c == '$')
            out += '$';
    }
    return out;
}

}  // namespace ezkvm::bus
