#pragma once
// Wall-clock seconds since the epoch, for what clients and the database see
// (signon times, topic times, created_at). Timeouts use the steady clock.
#include <chrono>
#include <cstdint>

namespace lobbyd::core {

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace lobbyd::core
