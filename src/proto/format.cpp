#include "proto/format.h"

#include <charconv>

#include "proto/message.h"

namespace lobbyd::proto {

LineBuilder& LineBuilder::numeric(int code) {
  char buf[3] = {char('0' + code / 100 % 10), char('0' + code / 10 % 10), char('0' + code % 10)};
  out_.append(buf, 3);
  return *this;
}

LineBuilder& LineBuilder::param(std::uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(" ").append(buf, end);
  return *this;
}

std::string_view utf8_prefix(std::string_view s, std::size_t n) noexcept {
  if (s.size() <= n) return s;
  // Step back over continuation bytes (10xxxxxx) so that the cut falls before
  // the lead byte of an incomplete sequence.
  // A UTF-8 sequence is at most 4 bytes, so look back at most 3; anything
  // longer is not UTF-8 and is cut as bytes.
  std::size_t cut = n;
  while (cut > 0 && n - cut < 3 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  if ((static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) cut = n;
  return s.substr(0, cut);
}

std::string split_trailing(std::string_view head, std::string_view head_more, std::string_view text,
                           std::size_t max_line) {
  constexpr std::size_t kFrame = 4;      // " :" and CRLF
  constexpr std::size_t kMinPart = 16;   // progress even under an absurd max_line
  auto room = [&](std::string_view h) {
    return max_line > h.size() + kFrame + kMinPart ? max_line - h.size() - kFrame : kMinPart;
  };
  const std::size_t last_room = room(head), more_room = room(head_more);
  std::string out;
  out.reserve(text.size() + (text.size() / more_room + 1) * (head_more.size() + kFrame) + head.size());
  while (text.size() > last_room) {
    std::string_view part = utf8_prefix(text, more_room);
    out.append(head_more).append(" :").append(part).append("\r\n");
    text.remove_prefix(part.size());
  }
  out.append(head).append(" :").append(text).append("\r\n");
  return out;
}

std::string& LineBuilder::finish() {
  std::size_t limit = tags_end_ + kMaxLineBytes - 2;
  if (out_.size() > limit) out_.resize(utf8_prefix(out_, limit).size());
  out_.append("\r\n");
  return out_;
}

}  // namespace lobbyd::proto
