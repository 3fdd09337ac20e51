#pragma once
// The ramp scenario's decisions, kept pure for testing: a step passes while
// every expected delivery arrived, p99 stays within the bound, the server
// closed nothing, and the load generator itself was not saturated.
#include <cstdint>
#include <string_view>

#include "load/ledger.h"

namespace lobbyd::load {

struct StepStats {
  double rate = 0;             // target messages/s per client
  double seconds = 0;          // sending time of the step
  EpochTally tally;            // after the drain
  std::uint64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, max_ns = 0;
  std::uint64_t closed = 0;    // connections the server closed during the step
  double loadgen_cpu_percent = 0;  // of one core, averaged over the threads
  double server_cpu_percent = -1;  // of one core (--server-pid); < 0: unknown
  double sent_per_s() const noexcept { return seconds > 0 ? tally.sent / seconds : 0; }
  double deliveries_per_s() const noexcept { return seconds > 0 ? tally.received / seconds : 0; }
};

enum class StepVerdict { kPass, kNoTraffic, kClosed, kSaturated, kLoss, kLatency };

std::string_view to_string(StepVerdict v) noexcept;

// saturated_cpu_percent: load-generator CPU (per thread) at which its own
// measurements stop being trustworthy.
StepVerdict judge_step(const StepStats& s, double p99_bound_ms,
                       double saturated_cpu_percent = 95.0) noexcept;

inline double next_rate(double rate, double factor) noexcept { return rate * factor; }

}  // namespace lobbyd::load
