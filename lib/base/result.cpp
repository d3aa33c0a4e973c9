#include "base/result.hpp"

#include <cstring>

#include <fmt/format.h>

namespace ezkvm {

Error errno_error(std::string_view what, int errno_value)
{
    return {fmt::format("{}: {}", what, std::strerror(errno_value)), errno_value};
}

}  // namespace ezkvm
