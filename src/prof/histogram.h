#pragma once
// Log-scale latency histogram shared by the recorder (profiler.cpp) and the
// reports (export.cpp). Values are clock ticks (see clock.h). Four buckets per
// power of two (about 19% wide), exact below 4 ticks; 128 buckets cover up to
// 2^33 ticks (about 4 s at a 2 GHz TSC), longer values land in the last bucket
// and percentiles there are clamped to the recorded maximum.
#include <bit>
#include <cstdint>

namespace lobbyd::prof::hist {

inline constexpr unsigned kBuckets = 128;

constexpr unsigned bucket_of(std::uint64_t v) noexcept {
  if (v < 4) return static_cast<unsigned>(v);
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
  const unsigned idx = (msb - 1) * 4 + static_cast<unsigned>((v >> (msb - 2)) & 3u);
  return idx < kBuckets ? idx : kBuckets - 1;
}

// Smallest value that falls into bucket i.
constexpr std::uint64_t bucket_low(unsigned i) noexcept {
  if (i < 4) return i;
  const unsigned msb = i / 4 + 1;
  return static_cast<std::uint64_t>(4 + i % 4) << (msb - 2);
}

// One past the largest value of bucket i (the last bucket is open-ended and
// reported as its lower bound's next power-of-two step).
constexpr std::uint64_t bucket_high(unsigned i) noexcept {
  if (i < 4) return i + 1;
  const unsigned msb = i / 4 + 1;
  return bucket_low(i) + (std::uint64_t{1} << (msb - 2));
}

// The q-quantile (0 < q <= 1) of the histogram h (kBuckets counts), linearly
// interpolated inside its bucket and clamped to max_value. 0 when empty.
inline double percentile(const std::uint64_t* h, double q, std::uint64_t max_value) noexcept {
  std::uint64_t n = 0;
  for (unsigned i = 0; i < kBuckets; ++i) n += h[i];
  if (n == 0) return 0.0;
  double rank = q * static_cast<double>(n);
  if (rank < 1.0) rank = 1.0;
  std::uint64_t cum = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    if (h[i] == 0) continue;
    if (static_cast<double>(cum + h[i]) >= rank) {
      const double lo = static_cast<double>(bucket_low(i));
      const double hi = static_cast<double>(bucket_high(i));
      const double frac = (rank - static_cast<double>(cum)) / static_cast<double>(h[i]);
      double v = i < 4 ? lo : lo + (hi - lo) * frac;
      const double mx = static_cast<double>(max_value);
      return v > mx ? mx : v;
    }
    cum += h[i];
  }
  return static_cast<double>(max_value);
}

}  // namespace lobbyd::prof::hist
