#pragma once
// Builds outgoing IRC lines into a caller-owned string (reuse it to avoid
// allocation). finish() enforces the 512-byte limit (510 + CRLF), cutting the
// trailing parameter on a UTF-8 character boundary.
#include <cstdint>
#include <string>
#include <string_view>

namespace lobbyd::proto {

class LineBuilder {
 public:
  explicit LineBuilder(std::string& out) noexcept : out_(out) { out_.clear(); }

  LineBuilder& tags(std::string_view t) {  // raw "k=v;k2", without '@'
    if (!t.empty()) out_.append("@").append(t).append(" ");
    tags_end_ = out_.size();
    return *this;
  }
  LineBuilder& source(std::string_view s) {
    if (!s.empty()) out_.append(":").append(s).append(" ");
    return *this;
  }
  LineBuilder& command(std::string_view c) {
    out_.append(c);
    return *this;
  }
  LineBuilder& numeric(int code);
  // A middle parameter; the caller guarantees no spaces and no leading ':'.
  LineBuilder& param(std::string_view p) {
    out_.append(" ").append(p.empty() ? std::string_view{"*"} : p);
    return *this;
  }
  LineBuilder& param(std::uint64_t n);
  // The last parameter, always sent with ':' so it may contain spaces.
  LineBuilder& trailing(std::string_view t) {
    out_.append(" :").append(t);
    return *this;
  }
  // Appends CRLF after cutting the line to the protocol limit.
  std::string& finish();

 private:
  std::string& out_;
  std::size_t tags_end_ = 0;
};

// True if text can go into one line as is: no CR, LF or NUL. Text that
// comes from elsewhere than a parsed line (the database, the HTTP API)
// is checked with it, or it could smuggle a line of its own to clients.
inline bool is_one_line(std::string_view text) noexcept {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Cuts s to at most n bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t n) noexcept;

// A line whose trailing parameter may not fit in one line (a game's JSON
// view): when "<head> :<text>" with CRLF is longer than max_line, the text
// goes out in parts, "<head_more> :<part>" lines and then "<head> :<rest>",
// each at most max_line bytes with CRLF, cut on UTF-8 boundaries; the client
// joins the parts in order (docs/protocol.md, "Long lines"). The lines come
// back as one string so that they are queued together: nothing can come
// between them on a connection. head and head_more carry the source, e.g.
// ":srv GAME &3 STATE" and ":srv GAME &3 MORE". Should max_line leave no
// room for text after a head, each part still carries 16 bytes (the line is
// then longer than max_line) so that the text always goes out whole.
std::string split_trailing(std::string_view head, std::string_view head_more, std::string_view text,
                           std::size_t max_line);

}  // namespace lobbyd::proto
