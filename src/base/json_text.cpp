#include "base/json_text.h"

#include <nlohmann/json.hpp>

#include "base/internal_error.h"

namespace lobbyd::base {

std::string json_text(const nlohmann::json& j, int indent) noexcept {
  try {
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (...) {
    internal_error(Where::kJson, "json_text: dump failed");
    return "null";
  }
}

}  // namespace lobbyd::base
