#include "load/ramp.h"

#include <gtest/gtest.h>

using namespace lobbyd::load;

namespace {
StepStats good_step() {
  StepStats s;
  s.rate = 4;
  s.seconds = 2;
  s.tally.sent = 800;
  s.tally.expected = 800 * 24;
  s.tally.received = 800 * 24;
  s.p50_ns = 300'000;
  s.p99_ns = 2'000'000;
  s.max_ns = 5'000'000;
  s.loadgen_cpu_percent = 30;
  return s;
}
}  // namespace

TEST(Ramp, PassingStep) {
  StepStats s = good_step();
  EXPECT_EQ(judge_step(s, 50), StepVerdict::kPass);
  EXPECT_DOUBLE_EQ(s.sent_per_s(), 400);
  EXPECT_DOUBLE_EQ(s.deliveries_per_s(), 9600);
}

TEST(Ramp, LatencyBound) {
  StepStats s = good_step();
  s.p99_ns = 50'000'000;
  EXPECT_EQ(judge_step(s, 50), StepVerdict::kPass);  // at the bound is fine
  s.p99_ns = 50'000'001;
  EXPECT_EQ(judge_step(s, 50), StepVerdict::kLatency);
  EXPECT_EQ(judge_step(s, 60), StepVerdict::kPass);
}

TEST(Ramp, LossBeatsLatency) {
  StepStats s = good_step();
  s.tally.received -= 1;
  s.p99_ns = 90'000'000;
  EXPECT_EQ(judge_step(s, 50), StepVerdict::kLoss);
}

TEST(Ramp, ClosedConnectionsAndSaturation) {
  StepStats s = good_step();
  s.closed = 1;
  EXPECT_EQ(judge_step(s, 50), StepVerdict::kClosed);
  s = good_step();
  s.loadgen_cpu_percent = 97;
  EXPECT_EQ(judge_step(s, 50), StepVerdict::kSaturated);
  EXPECT_EQ(judge_step(s, 50, 99), StepVerdict::kPass);
}

TEST(Ramp, NoTraffic) {
  StepStats s;
  EXPECT_EQ(judge_step(s, 50), StepVerdict::kNoTraffic);
}

TEST(Ramp, NextRate) {
  EXPECT_DOUBLE_EQ(next_rate(1, 2), 2);
  EXPECT_DOUBLE_EQ(next_rate(4, 1.5), 6);
  for (auto v : {StepVerdict::kPass, StepVerdict::kNoTraffic, StepVerdict::kClosed,
                 StepVerdict::kSaturated, StepVerdict::kLoss, StepVerdict::kLatency})
    EXPECT_FALSE(to_string(v).empty());
}
