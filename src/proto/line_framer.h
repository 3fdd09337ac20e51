#pragma once
// Splits a byte stream into lines ending in LF or CRLF. A line longer than the
// limit is reported once and then skipped up to its end, so one oversized line
// costs the client an error reply, not the connection.
#include <cstddef>
#include <string_view>

namespace lobbyd::proto {

class LineFramer {
 public:
  enum class Result { kLine, kNeedMore, kTooLong };

  // max_bytes: longest accepted line, tags included, line ending excluded.
  explicit LineFramer(std::size_t max_bytes) noexcept : max_bytes_(max_bytes) {}

  // Looks at the unconsumed input. On kLine, `line` is the line without its
  // ending. `consumed` says how many bytes of `data` the caller may drop
  // (also on kNeedMore and kTooLong, where skipped bytes are consumed).
  Result next(std::string_view data, std::string_view& line, std::size_t& consumed) noexcept {
    consumed = 0;
    if (discarding_) {
      std::size_t lf = data.find('\n');
      if (lf == std::string_view::npos) {
        consumed = data.size();
        return Result::kNeedMore;
      }
      discarding_ = false;
      consumed = lf + 1;
      data.remove_prefix(consumed);
    }
    std::size_t window = data.size() < max_bytes_ + 2 ? data.size() : max_bytes_ + 2;
    std::size_t lf = data.substr(0, window).find('\n');
    if (lf == std::string_view::npos) {
      if (data.size() > max_bytes_ + 1) {  // +1: a CR may still be followed by LF
        // Overlong. If its end is already here, skip exactly that line so the
        // lines after it in this read are kept; else skip until its LF arrives.
        std::size_t end = data.find('\n', window);
        if (end != std::string_view::npos) {
          consumed += end + 1;
          return Result::kTooLong;
        }
        discarding_ = true;
        consumed += data.size();
        return Result::kTooLong;
      }
      return Result::kNeedMore;
    }
    std::size_t len = (lf > 0 && data[lf - 1] == '\r') ? lf - 1 : lf;
    consumed += lf + 1;
    if (len > max_bytes_) return Result::kTooLong;
    line = data.substr(0, len);
    return Result::kLine;
  }

  void set_max_bytes(std::size_t n) noexcept { max_bytes_ = n; }

 private:
  std::size_t max_bytes_;
  bool discarding_ = false;
};

}  // namespace lobbyd::proto
