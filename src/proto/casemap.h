#pragma once
// Name rules shared by the whole server. CASEMAPPING=ascii: only A-Z fold.
#include <cstddef>
#include <string>
#include <string_view>

#include "base/ascii.h"

namespace lobbyd::proto {

inline char fold_char(char c) noexcept { return base::ascii_lower(c); }
inline std::string fold(std::string_view s) { return base::ascii_lower(s); }
inline bool iequals(std::string_view a, std::string_view b) noexcept { return base::ascii_iequals(a, b); }

// RFC 2812 nickname: letter or special first, then letters, digits, specials, '-'.
bool valid_nick(std::string_view nick, std::size_t max_len) noexcept;
// A lobby name: '#' then 1..max_len-1 bytes of UTF-8, no space, comma, BELL or
// control character (names reach JSON and WebSocket text frames).
bool valid_lobby_name(std::string_view name, std::size_t max_len) noexcept;

}  // namespace lobbyd::proto
