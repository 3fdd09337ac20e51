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

std::string& LineBuilder::finish() {
  std::size_t limit = tags_end_ + kMaxLineBytes - 2;
  if (out_.size() > limit) out_.resize(utf8_prefix(out_, limit).size());
  out_.append("\r\n");
  return out_;
}

}  // namespace lobbyd::proto
