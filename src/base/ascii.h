#pragma once
// ASCII case folding, the one copy: IRC names (CASEMAPPING=ascii,
// proto/casemap.h) and game move texts (games/text.h) both fold only A-Z.
#include <cstddef>
#include <string>
#include <string_view>

namespace lobbyd::base {

inline char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + ('a' - 'A')) : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = ascii_lower(c);
  return r;
}

inline bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace lobbyd::base
