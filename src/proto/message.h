#pragma once
// An IRC message as views into the received line (RFC 1459/2812 grammar with
// IRCv3 message tags). Parsing never allocates and never throws: the views
// point into the caller's buffer and stay valid while that buffer does.
//
//   [ '@' tags SPACE ] [ ':' source SPACE ] command { SPACE param } [ SPACE ':' trailing ]
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lobbyd::proto {

inline constexpr std::size_t kMaxParams = 15;       // RFC 2812 section 2.3
inline constexpr std::size_t kMaxLineBytes = 512;   // without tags, CRLF included
inline constexpr std::size_t kMaxTagBytes = 8191;   // IRCv3: '@', tags and the space

enum class ParseError : std::uint8_t {
  kOk,
  kEmpty,          // nothing but spaces: silently ignored per RFC
  kNoCommand,      // tags or source without a command
  kBadCommand,     // a command that is neither letters nor three digits
  kBadCharacter,   // NUL, CR or LF inside the line
  kTagsTooLong,
  kTooLong,        // the part after the tags exceeds kMaxLineBytes
};

std::string_view to_string(ParseError e) noexcept;

struct MessageView {
  std::string_view tags;     // raw tag string without the leading '@', may be empty
  std::string_view source;   // without the leading ':', may be empty
  std::string_view command;  // as sent; compare with iequals()
  std::array<std::string_view, kMaxParams> params{};
  std::uint8_t param_count = 0;
  bool has_trailing = false;  // the last parameter was sent with ':'

  std::string_view param(std::size_t i) const noexcept {
    return i < param_count ? params[i] : std::string_view{};
  }
};

// Parses one line without its line ending (CR and LF already stripped).
// max_line bounds the part after the tags, CRLF included (the server setting
// max_line_bytes; 512 by the RFC).
ParseError parse(std::string_view line, MessageView& out,
                 std::size_t max_line = kMaxLineBytes) noexcept;

// Looks up a tag value in a raw tag string ("a=1;+b;c=x"); returns false if absent.
// The value is returned raw (escapes such as "\s" are not undone).
bool find_tag(std::string_view tags, std::string_view key, std::string_view& value) noexcept;

}  // namespace lobbyd::proto
