#pragma once
// JSON text that never throws: nlohmann-json's dump() throws type_error.316
// on a string that is not UTF-8 (a path, a QMP command typed by a user);
// here such bytes become U+FFFD instead.
#include <string>

#include <nlohmann/json.hpp>

namespace ezkvm {

inline std::string json_text(const nlohmann::json& value, int indent = -1)
{
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ezkvm
