#pragma once
// Small ASCII helpers for reading move texts (internal to src/games).
#include <string>
#include <string_view>
#include <vector>

#include "base/ascii.h"

namespace lobbyd::games {

using base::ascii_lower;
inline std::string lower(std::string_view s) { return base::ascii_lower(s); }
inline bool iequals(std::string_view a, std::string_view b) noexcept { return base::ascii_iequals(a, b); }

inline bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Words separated by spaces or tabs.
inline std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) words.push_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

// For error reasons: the text as the player sent it, cut to a sane length.
// Reasons are one line (they end up after ':' in a FAIL line), so control
// bytes (CR, LF, NUL, ...) become '?'; the cut never splits a UTF-8 sequence.
inline std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 32;
  std::size_t cut = s.size() > kMax ? kMax : s.size();
  while (cut > 0 && cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  std::string out = "'";
  for (char c : s.substr(0, cut)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? '?' : c;
  }
  if (cut < s.size()) out += "...";
  out += "'";
  return out;
}

}  // namespace lobbyd::games
