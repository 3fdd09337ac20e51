// libFuzzer target for the WebSocket-to-line adapter (net/ws_lines.h, used by
// ws_transport.cpp). The input is used both as one incoming WS message and as
// the server's outgoing byte stream. Invariants (__builtin_trap on failure):
//   in  - an accepted message gives exactly one line: no CR/LF before the
//         CRLF it ends in, equal to the message without its trailing line
//         ending; a refused one held CR/LF inside;
//   out - frames are valid UTF-8 without CR/LF, one per LF-terminated line
//         (plus an unterminated tail), and a frame equals its line whenever
//         the line was valid UTF-8; pos always advances.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "net/ws_lines.h"

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using lobbyd::base::valid_utf8;

  std::string line = "untouched";
  std::string_view body = in;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  const bool inner_eol = body.find_first_of("\r\n") != std::string_view::npos;
  const bool ok = lobbyd::net::ws_message_to_line(in, line);
  check(ok == !inner_eol);
  if (ok) {
    check(line.size() == body.size() + 2 && line.compare(0, body.size(), body) == 0);
    check(line.compare(line.size() - 2, 2, "\r\n") == 0);
  } else {
    check(line == "untouched");
  }

  std::size_t pos = 0, frames = 0;
  std::string frame;
  while (true) {
    const std::size_t before = pos;
    if (!lobbyd::net::ws_next_frame(in, pos, frame)) break;
    check(pos > before && pos <= in.size());
    ++frames;
    check(valid_utf8(frame));
    check(frame.find_first_of("\r\n") == std::string::npos ||
          in.substr(before, pos - before).find('\r') != std::string_view::npos);
    std::string_view src = in.substr(before, pos - before);
    while (!src.empty() && (src.back() == '\n' || src.back() == '\r')) src.remove_suffix(1);
    if (valid_utf8(src)) check(frame == src);
  }
  std::size_t lfs = 0;
  for (char c : in) lfs += c == '\n';
  check(frames == lfs + (in.empty() || in.back() == '\n' ? 0 : 1));
  return 0;
}
