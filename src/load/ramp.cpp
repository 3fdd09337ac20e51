#include "load/ramp.h"

namespace lobbyd::load {

std::string_view to_string(StepVerdict v) noexcept {
  switch (v) {
    case StepVerdict::kPass: return "pass";
    case StepVerdict::kNoTraffic: return "no messages were sent";
    case StepVerdict::kClosed: return "the server closed connections";
    case StepVerdict::kSaturated: return "the load generator is saturated (its CPU), not the server";
    case StepVerdict::kLoss: return "deliveries were lost or late";
    case StepVerdict::kLatency: return "p99 latency above the bound";
  }
  return "?";
}

StepVerdict judge_step(const StepStats& s, double p99_bound_ms, double saturated_cpu_percent) noexcept {
  if (s.tally.sent == 0) return StepVerdict::kNoTraffic;
  if (s.closed > 0) return StepVerdict::kClosed;
  if (s.loadgen_cpu_percent >= saturated_cpu_percent) return StepVerdict::kSaturated;
  if (s.tally.received < s.tally.expected) return StepVerdict::kLoss;
  if (static_cast<double>(s.p99_ns) > p99_bound_ms * 1e6) return StepVerdict::kLatency;
  return StepVerdict::kPass;
}

}  // namespace lobbyd::load
