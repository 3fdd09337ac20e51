#pragma once
// Wall-clock time since the epoch, for what clients and the database see
// (signon and topic times, created_at columns, turn deadlines). Timeouts and
// intervals use the steady clock instead. The one home of these helpers.
#include <chrono>
#include <cstdint>

namespace lobbyd::base {

inline std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::int64_t unix_now() { return unix_now_ms() / 1000; }

}  // namespace lobbyd::base
