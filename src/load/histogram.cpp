#include "load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace lobbyd::load {

std::size_t LatencyHistogram::bucket_of(std::uint64_t v) noexcept {
  if (v < kSub) return static_cast<std::size_t>(v);
  unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
  unsigned shift = msb - kSubBits;
  std::uint64_t top = v >> shift;  // in [kSub, 2*kSub)
  return static_cast<std::size_t>((shift + 1) * kSub + (top - kSub));
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t i) noexcept {
  if (i < kSub) return i;
  std::size_t group = i / kSub, sub = i % kSub;
  return (kSub + sub) << (group - 1);
}

std::uint64_t LatencyHistogram::bucket_high(std::size_t i) noexcept {
  if (i < kSub) return i;
  std::size_t group = i / kSub;
  return bucket_low(i) + ((std::uint64_t{1} << (group - 1)) - 1);
}

void LatencyHistogram::record_n(std::uint64_t v, std::uint64_t n) noexcept {
  if (n == 0) return;
  counts_[bucket_of(v)] += n;
  count_ += n;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  sum_ += static_cast<double>(v) * static_cast<double>(n);
}

void LatencyHistogram::merge(const LatencyHistogram& o) noexcept {
  if (o.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  sum_ += o.sum_;
}

void LatencyHistogram::reset() noexcept { *this = LatencyHistogram{}; }

std::uint64_t LatencyHistogram::percentile(double p) const noexcept {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(bucket_high(i), min_, max_);
  }
  return max_;
}

}  // namespace lobbyd::load
