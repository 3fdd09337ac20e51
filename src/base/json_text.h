#pragma once
// nlohmann::json to text without exceptions: invalid UTF-8 inside strings is
// replaced by U+FFFD (error_handler_t::replace), and anything else that could
// throw (allocation) yields "null" and is counted as an internal error. Use
// this instead of json::dump() everywhere (base/json.h says why).
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace lobbyd::base {

std::string json_text(const nlohmann::json& j, int indent = -1) noexcept;

}  // namespace lobbyd::base
