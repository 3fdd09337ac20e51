// The pure parts of the WebSocket-to-line adapter (ws_transport.cpp), kept
// apart from the beast stream so that fuzz/fuzz_ws.cpp can drive them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/utf8.h"

namespace lobbyd::net {

// One incoming text message -> one line with CRLF appended, in `line`.
// A trailing line ending is tolerated; one inside would smuggle a second
// line into the message, which the binding forbids: false, `line` untouched.
inline bool ws_message_to_line(std::string_view msg, std::string& line) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
  if (msg.find_first_of("\r\n", 0) != std::string_view::npos) return false;
  line.assign(msg);
  line += "\r\n";
  return true;
}

// The next outgoing frame from `out` starting at `pos` (one message per
// line, line ending dropped, repaired to UTF-8 since text frames must be
// UTF-8 and IRC lines are bytes). Returns false when `out` is used up.
inline bool ws_next_frame(std::string_view out, std::size_t& pos, std::string& frame) {
  if (pos >= out.size()) return false;
  std::size_t eol = out.find('\n', pos);
  std::size_t end = eol == std::string_view::npos ? out.size() : eol + 1;
  std::string_view line = out.substr(pos, end - pos);
  pos = end;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  frame.clear();
  base::append_utf8(frame, line);
  return true;
}

}  // namespace lobbyd::net
