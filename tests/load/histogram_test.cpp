#include "load/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

using lobbyd::load::LatencyHistogram;

TEST(Histogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < 64; ++v) h.record(v);
  EXPECT_EQ(h.count(), 64u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 63u);
  EXPECT_EQ(h.percentile(50), 31u);  // rank 32 of 0..63
  EXPECT_EQ(h.percentile(100), 63u);
  EXPECT_EQ(h.percentile(0), 0u);
}

TEST(Histogram, BucketsAreContiguousAndOrdered) {
  for (std::size_t i = 0; i + 1 < LatencyHistogram::kBuckets; ++i) {
    ASSERT_LE(LatencyHistogram::bucket_low(i), LatencyHistogram::bucket_high(i)) << i;
    ASSERT_EQ(LatencyHistogram::bucket_high(i) + 1, LatencyHistogram::bucket_low(i + 1)) << i;
  }
  EXPECT_EQ(LatencyHistogram::bucket_high(LatencyHistogram::kBuckets - 1), UINT64_MAX);
}

TEST(Histogram, BucketOfRoundTrips) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t v = rng() >> (rng() % 64);
    std::size_t b = LatencyHistogram::bucket_of(v);
    ASSERT_LT(b, LatencyHistogram::kBuckets);
    ASSERT_LE(LatencyHistogram::bucket_low(b), v);
    ASSERT_GE(LatencyHistogram::bucket_high(b), v);
  }
  EXPECT_EQ(LatencyHistogram::bucket_of(UINT64_MAX), LatencyHistogram::kBuckets - 1);
}

TEST(Histogram, PercentilesWithinRelativeError) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(13.0, 1.5);  // ~0.4 ms median, long tail
  std::vector<std::uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<std::uint64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    std::uint64_t exact = values[static_cast<std::size_t>(std::ceil(p / 100 * values.size())) - 1];
    std::uint64_t got = h.percentile(p);
    EXPECT_GE(got, exact) << p;  // never optimistic
    EXPECT_LE(static_cast<double>(got), exact * (1.0 + 1.0 / 32) + 1) << p;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.percentile(100), values.back());
}

TEST(Histogram, PercentileClampedToObservedRange) {
  LatencyHistogram h;
  h.record(1'000'001);  // a single value: every percentile is that value
  EXPECT_EQ(h.percentile(0), 1'000'001u);
  EXPECT_EQ(h.percentile(50), 1'000'001u);
  EXPECT_EQ(h.percentile(99), 1'000'001u);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 1; v < 100000; v += 7) {
    (v % 2 ? a : b).record(v * 13);
    all.record(v * 13);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {1.0, 50.0, 90.0, 99.0, 100.0}) EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST(Histogram, RecordNAndReset) {
  LatencyHistogram h;
  h.record_n(500, 99);
  h.record_n(1'000'000, 1);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.percentile(99), LatencyHistogram::bucket_high(LatencyHistogram::bucket_of(500)));  // 503
  EXPECT_GE(h.percentile(99), 500u);
  EXPECT_EQ(h.percentile(100), 1'000'000u);
  EXPECT_NEAR(h.mean(), (500.0 * 99 + 1e6) / 100, 1e-6);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(99), 0u);
}
