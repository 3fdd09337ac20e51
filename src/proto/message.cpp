#include "proto/message.h"

namespace lobbyd::proto {

std::string_view to_string(ParseError e) noexcept {
  switch (e) {
    case ParseError::kOk: return "ok";
    case ParseError::kEmpty: return "empty line";
    case ParseError::kNoCommand: return "no command";
    case ParseError::kBadCommand: return "malformed command";
    case ParseError::kBadCharacter: return "forbidden character in line";
    case ParseError::kTagsTooLong: return "message tags too long";
    case ParseError::kTooLong: return "input line too long";
  }
  return "unknown";
}

namespace {

inline void skip_spaces(std::string_view s, std::size_t& i) noexcept {
  while (i < s.size() && s[i] == ' ') ++i;
}

inline std::string_view take_word(std::string_view s, std::size_t& i) noexcept {
  std::size_t start = i;
  while (i < s.size() && s[i] != ' ') ++i;
  return s.substr(start, i - start);
}

inline bool valid_command(std::string_view c) noexcept {
  if (c.size() == 3 && c[0] >= '0' && c[0] <= '9' && c[1] >= '0' && c[1] <= '9' &&
      c[2] >= '0' && c[2] <= '9')
    return true;
  if (c.empty() || c.size() > 32) return false;
  for (char ch : c) {
    bool alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
    if (!alpha) return false;
  }
  return true;
}

}  // namespace

ParseError parse(std::string_view line, MessageView& out, std::size_t max_line) noexcept {
  out = MessageView{};
  for (char ch : line)
    if (ch == '\0' || ch == '\r' || ch == '\n') return ParseError::kBadCharacter;

  std::size_t i = 0;
  skip_spaces(line, i);
  if (i == line.size()) return ParseError::kEmpty;

  if (line[i] == '@') {
    std::size_t start = i;
    out.tags = take_word(line, ++i);
    if (i - start + 1 > kMaxTagBytes) return ParseError::kTagsTooLong;
    skip_spaces(line, i);
    if (i == line.size()) return ParseError::kNoCommand;
  }
  // The 512-byte limit covers everything after the tags, CRLF included.
  if (line.size() - i + 2 > max_line) return ParseError::kTooLong;

  if (line[i] == ':') {
    out.source = take_word(line, ++i);
    skip_spaces(line, i);
    if (i == line.size()) return ParseError::kNoCommand;
  }

  out.command = take_word(line, i);
  if (!valid_command(out.command)) return ParseError::kBadCommand;

  while (true) {
    skip_spaces(line, i);
    if (i == line.size()) break;
    if (line[i] == ':' || out.param_count == kMaxParams - 1) {
      // Trailing parameter, or the 15th which takes the rest of the line.
      if (line[i] == ':') {
        ++i;
        out.has_trailing = true;
      }
      out.params[out.param_count++] = line.substr(i);
      break;
    }
    out.params[out.param_count++] = take_word(line, i);
  }
  return ParseError::kOk;
}

bool find_tag(std::string_view tags, std::string_view key, std::string_view& value) noexcept {
  while (!tags.empty()) {
    std::size_t semi = tags.find(';');
    std::string_view tag = tags.substr(0, semi);
    std::size_t eq = tag.find('=');
    std::string_view k = tag.substr(0, eq);
    if (k == key) {
      value = eq == std::string_view::npos ? std::string_view{} : tag.substr(eq + 1);
      return true;
    }
    if (semi == std::string_view::npos) break;
    tags.remove_prefix(semi + 1);
  }
  return false;
}

}  // namespace lobbyd::proto
