#include "proto/casemap.h"

#include "base/utf8.h"

namespace lobbyd::proto {

namespace {
bool is_special(char c) noexcept {
  return c == '[' || c == ']' || c == '\\' || c == '`' || c == '_' || c == '^' || c == '{' ||
         c == '|' || c == '}';
}
bool is_letter(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
}  // namespace

bool valid_nick(std::string_view nick, std::size_t max_len) noexcept {
  if (nick.empty() || nick.size() > max_len) return false;
  if (!is_letter(nick[0]) && !is_special(nick[0])) return false;
  for (char c : nick.substr(1))
    if (!is_letter(c) && !is_digit(c) && !is_special(c) && c != '-') return false;
  return true;
}

bool valid_lobby_name(std::string_view name, std::size_t max_len) noexcept {
  if (name.size() < 2 || name.size() > max_len || name[0] != '#') return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || c == ',' || c == 0x07 || u == 0x7F) return false;
  }
  // Lobby names reach JSON (/api, the admin page) and WebSocket text frames:
  // they must be UTF-8 (docs/protocol.md, "Text encoding").
  return base::valid_utf8(name);
}

}  // namespace lobbyd::proto
