#pragma once
// Name rules shared by the whole server. CASEMAPPING=ascii: only A-Z fold.
#include <cstddef>
#include <string>
#include <string_view>

namespace lobbyd::proto {

inline char fold_char(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

inline std::string fold(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = fold_char(c);
  return r;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (fold_char(a[i]) != fold_char(b[i])) return false;
  return true;
}

// RFC 2812 nickname: letter or special first, then letters, digits, specials, '-'.
bool valid_nick(std::string_view nick, std::size_t max_len) noexcept;
// A lobby name: '#' then 1..max_len-1 bytes of UTF-8, no space, comma, BELL or
// control character (names reach JSON and WebSocket text frames).
bool valid_lobby_name(std::string_view name, std::size_t max_len) noexcept;

}  // namespace lobbyd::proto
