#include "bus/error.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ezkvm::bus {
namespace {

int errno_of(const sd_bus_error& error)
{
    if (sd_bus_error_has_names(&error, SD_BUS_ERROR_ACCESS_DENIED, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
        return EACCES;
    if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
        return EHOSTUNREACH;
    const int mapped = sd_bus_error_get_errno(&error);
    return mapped == EACCES || mapped == EPERM || mapped == EHOSTUNREACH || mapped == 0 ? EIO : mapped;
}

}  // namespace

Error make_error(std::string_view what, const sd_bus_error* error, int r)
{
    if (error && sd_bus_error_is_set(error))
        return {fmt::format("{}: {}", what, error->message ? error->message : error->name), errno_of(*error)};
    const int errno_value = r < 0 ? -r : r;
    return {fmt::format("{}: {}", what, std::strerror(errno_value)), errno_value};
}

bool is_access_denied(const Error& error)
{
    return error.errno_value == EACCES || error.errno_value == EPERM;
}

bool is_service_unknown(const Error& error)
{
    return error.errno_value == EHOSTUNREACH;
}

}  // namespace ezkvm::bus
