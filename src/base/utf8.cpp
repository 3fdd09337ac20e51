#include "base/utf8.h"

namespace lobbyd::base {

namespace {
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
inline bool cont(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }
}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  std::size_t left = s.size() - i;
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;  // continuation byte, or an overlong 2-byte lead
  if (c < 0xE0) return left >= 2 && cont(p[1]) ? 2 : 0;
  if (c < 0xF0) {
    if (left < 3 || !cont(p[1]) || !cont(p[2])) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && p[1] >= 0xA0) return 0;  // UTF-16 surrogates
    return 3;
  }
  if (c < 0xF5) {
    if (left < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3])) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    // ASCII runs are the common case: skip them a byte at a time, cheaply.
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_utf8(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size());
  std::size_t run = 0;  // start of the valid bytes not yet appended
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = static_cast<unsigned char>(s[i]) < 0x80 ? 1 : utf8_sequence_length(s, i);
    if (n != 0) {
      i += n;
      continue;
    }
    out.append(s.substr(run, i - run));
    out.append(kReplacement);
    // One replacement per maximal invalid prefix (WHATWG "maximal subpart"
    // is finer; one per bad byte is simple and never loses a valid byte).
    ++i;
    run = i;
  }
  out.append(s.substr(run));
}

std::string to_utf8(std::string_view s) {
  if (valid_utf8(s)) return std::string(s);
  std::string out;
  append_utf8(out, s);
  return out;
}

}  // namespace lobbyd::base
