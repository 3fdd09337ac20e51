// The pure parts of the WebSocket-to-line adapter (ws_transport.cpp), kept
// apart from the beast stream so that fuzz/fuzz_ws.cpp can drive them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

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

// The next outgoing frame's payload from `out` starting at `pos` (one message
// per line, line ending dropped, repaired to UTF-8 since text frames must be
// UTF-8 and IRC lines are bytes). Returns false when `out` is used up. The
// reference for WsFrameBuilder below, which the transport uses (the unit tests
// and fuzz/fuzz_ws.cpp hold the two equal).
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

namespace lobbyd::net {

// The frame header a server writes for one text message, exactly as Beast
// does it (FIN + text opcode, unmasked, no extension, one frame per message:
// auto_fragment is off): 2, 4 or 10 bytes, appended to `out`.
inline void ws_append_text_header(std::string& out, std::uint64_t len) {
  out += static_cast<char>(0x81);
  if (len <= 125) {
    out += static_cast<char>(len);
  } else if (len <= 0xFFFF) {
    out += static_cast<char>(126);
    out += static_cast<char>(len >> 8);
    out += static_cast<char>(len & 0xFF);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((len >> shift) & 0xFF);
  }
}

// Server frames for a batch of outgoing lines, built from slices of the
// caller's buffers instead of copies, for one gather write. A broadcast is
// serialised once (net/shared_buffer.h); here every recipient's frames point
// into that one buffer, and only the headers are its own:
//
//   bufs:    [ "PRIVMSG #a :hi\r\nPING :x\r\n" ][ "NOTICE n :y\r\n" ]
//   pieces:  [81 0e][PRIVMSG #a :hi][81 07][PING :x][81 0b][NOTICE n :y]
//             head_   slice of buf0   head_  slice   head_  slice of buf1
//
// The frames are byte for byte those of ws_next_frame() over the buffers
// joined: one frame per LF-terminated line (a line may span buffers), its
// trailing CR/LF dropped, and an unterminated tail as a last frame. A line
// that is not UTF-8 is the one case copied: repaired into repair_.
// Pointers in pieces() stay valid until the next clear(), as long as the
// buffers given to add() live.
class WsFrameBuilder {
 public:
  struct Piece {
    const char* data;
    std::size_t size;
  };

  void clear() noexcept {
    head_.clear();
    repair_.clear();
    slots_.clear();
    pieces_.clear();
    line_open_ = false;
    copied_ = frames_ = 0;
  }

  // The bytes of one buffer (whole lines, normally).
  void add(std::string_view bytes) {
    while (!bytes.empty()) {
      const void* lf = std::memchr(bytes.data(), '\n', bytes.size());
      std::size_t n = lf ? static_cast<const char*>(lf) - bytes.data() + 1 : bytes.size();
      open_line();
      slots_.push_back({Slot::kShared, bytes.data(), 0, n});
      bytes.remove_prefix(n);
      if (lf) end_line();
    }
  }

  // After the last add(): an unterminated tail becomes a frame of its own.
  void finish() {
    if (line_open_) end_line();
  }

  // The gather list, in wire order (resolved here, as head_ and repair_ may
  // have moved while they grew).
  const std::vector<Piece>& pieces() {
    pieces_.clear();
    for (const Slot& s : slots_) {
      const char* base = s.src == Slot::kHead ? head_.data() : s.src == Slot::kRepair ? repair_.data() : s.data;
      pieces_.push_back({s.src == Slot::kShared ? base : base + s.off, s.size});
    }
    return pieces_;
  }

  std::size_t frames() const noexcept { return frames_; }
  // Payload bytes this batch copied (repairs); headers are not counted.
  std::size_t payload_copied() const noexcept { return copied_; }
  std::size_t header_bytes() const noexcept { return head_.size(); }

 private:
  struct Slot {
    enum Src : std::uint8_t { kShared, kHead, kRepair } src;
    const char* data;  // kShared: the slice itself
    std::size_t off;   // kHead, kRepair: offset in head_ / repair_
    std::size_t size;
  };

  void open_line() {
    if (line_open_) return;
    line_open_ = true;
    line_at_ = slots_.size();
    slots_.push_back({Slot::kHead, nullptr, 0, 0});  // filled in by end_line()
  }

  void end_line() {
    line_open_ = false;
    ++frames_;
    // Drop the line ending, which may span slices ("...\r" + "\n").
    while (slots_.size() > line_at_ + 1) {
      Slot& last = slots_.back();
      while (last.size > 0 && (last.data[last.size - 1] == '\n' || last.data[last.size - 1] == '\r'))
        --last.size;
      if (last.size > 0) break;
      slots_.pop_back();
    }
    bool valid = true;
    for (std::size_t i = line_at_ + 1; i < slots_.size() && valid; ++i)
      valid = base::valid_utf8(std::string_view(slots_[i].data, slots_[i].size));
    if (!valid) repair();
    std::uint64_t len = 0;
    for (std::size_t i = line_at_ + 1; i < slots_.size(); ++i) len += slots_[i].size;
    Slot& h = slots_[line_at_];
    h.off = head_.size();
    ws_append_text_header(head_, len);
    h.size = head_.size() - h.off;
  }

  // Valid pieces joined are valid, so only a line with an invalid piece is
  // repaired, and then as a whole (a sequence may be split between buffers).
  void repair() {
    joined_.clear();
    for (std::size_t i = line_at_ + 1; i < slots_.size(); ++i) joined_.append(slots_[i].data, slots_[i].size);
    slots_.resize(line_at_ + 1);
    std::size_t off = repair_.size();
    base::append_utf8(repair_, joined_);
    copied_ += repair_.size() - off;
    slots_.push_back({Slot::kRepair, nullptr, off, repair_.size() - off});
  }

  std::string head_, repair_, joined_;
  std::vector<Slot> slots_;
  std::vector<Piece> pieces_;
  std::size_t line_at_ = 0;  // the open line's header slot
  bool line_open_ = false;
  std::size_t copied_ = 0, frames_ = 0;
};

}  // namespace lobbyd::net
