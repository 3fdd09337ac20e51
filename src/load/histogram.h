#pragma once
// A log-bucketed latency histogram (HdrHistogram-like, fixed size, no
// allocation). Values are nanoseconds. Values below 32 are exact; above, each
// power of two is split into 32 buckets, so a reported percentile is at most
// ~3% above the true value (never below it: percentiles report the upper edge
// of the bucket, clamped to the largest value seen).
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace lobbyd::load {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 5;
  static constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;  // 32
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSub;   // 1920

  void record(std::uint64_t v) noexcept { record_n(v, 1); }
  void record_n(std::uint64_t v, std::uint64_t n) noexcept;
  void merge(const LatencyHistogram& o) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  // The value at percentile p (0..100); 0 when empty.
  std::uint64_t percentile(double p) const noexcept;

  static std::size_t bucket_of(std::uint64_t v) noexcept;
  static std::uint64_t bucket_low(std::size_t i) noexcept;
  static std::uint64_t bucket_high(std::size_t i) noexcept;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace lobbyd::load
