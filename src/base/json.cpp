#include "base/json.h"

#include "base/utf8.h"

namespace lobbyd::base {

void json_escape(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string repaired;
  if (!valid_utf8(v)) {
    append_utf8(repaired, v);
    v = repaired;
  }
  out.reserve(out.size() + v.size() + 2);
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
}

}  // namespace lobbyd::base
