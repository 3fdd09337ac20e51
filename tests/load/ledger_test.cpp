#include "load/ledger.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

using lobbyd::load::DeliveryLedger;
using lobbyd::load::ReceiverOrder;
using V = ReceiverOrder::Verdict;

TEST(ReceiverOrder, InOrderGapDuplicateOutOfOrder) {
  ReceiverOrder o;
  o.resize(3);
  EXPECT_EQ(o.observe(0, 1), V::kInOrder);
  EXPECT_EQ(o.observe(0, 2), V::kInOrder);
  EXPECT_EQ(o.observe(0, 2), V::kDuplicate);
  EXPECT_EQ(o.observe(0, 5), V::kGap);        // 3 and 4 missing so far
  EXPECT_EQ(o.observe(0, 3), V::kOutOfOrder);  // 3 arrived after 5
  EXPECT_EQ(o.observe(0, 6), V::kInOrder);
  // Senders are independent.
  EXPECT_EQ(o.observe(1, 1), V::kInOrder);
  EXPECT_EQ(o.observe(2, 2), V::kGap);
  EXPECT_EQ(o.observe(2, 1), V::kOutOfOrder);
}

TEST(DeliveryLedger, ExpectedIsMembersMinusOneAtSendTime) {
  DeliveryLedger l(10, 2);
  for (int i = 0; i < 4; ++i) l.member_joined(0);
  l.member_joined(1);
  EXPECT_EQ(l.members(0), 4u);
  EXPECT_EQ(l.on_sent(0, 1), 3u);
  EXPECT_EQ(l.on_sent(1, 1), 0u);  // alone in the lobby: nobody to deliver to
  l.member_left(0);
  EXPECT_EQ(l.on_sent(0, 1), 2u);  // counted with the membership of that moment
  auto t = l.tally(1);
  EXPECT_EQ(t.sent, 3u);
  EXPECT_EQ(t.expected, 5u);
  EXPECT_EQ(t.received, 0u);
  EXPECT_EQ(l.tally(0).sent, 0u);
}

TEST(DeliveryLedger, MemberLeftNeverUnderflows) {
  DeliveryLedger l(1, 1);
  l.member_left(0);
  EXPECT_EQ(l.members(0), 0u);
  EXPECT_EQ(l.on_sent(0, 0), 0u);
  l.member_joined(5);  // out of range: ignored
  EXPECT_EQ(l.members(5), 0u);
}

TEST(DeliveryLedger, ReceivedAndLateAfterClose) {
  DeliveryLedger l(4, 1);
  for (int i = 0; i < 4; ++i) l.member_joined(0);
  l.on_sent(0, 1);  // 3 expected
  EXPECT_TRUE(l.on_received(1, 0, V::kInOrder));
  EXPECT_TRUE(l.on_received(1, 0, V::kInOrder));
  EXPECT_TRUE(l.is_open(1));
  l.close_epoch(1);
  EXPECT_FALSE(l.is_open(1));
  EXPECT_FALSE(l.on_received(1, 0, V::kInOrder));
  auto t = l.tally(1);
  EXPECT_EQ(t.expected, 3u);
  EXPECT_EQ(t.received, 2u);
  EXPECT_EQ(t.late, 1u);
  EXPECT_DOUBLE_EQ(t.ratio(), 2.0 / 3.0);
}

TEST(DeliveryLedger, RatioUndefinedWithoutExpectations) {
  DeliveryLedger l(1, 1);
  EXPECT_TRUE(std::isnan(l.tally(3).ratio()));
}

TEST(DeliveryLedger, EpochsAreSeparateAndSummable) {
  DeliveryLedger l(3, 1);
  for (int i = 0; i < 3; ++i) l.member_joined(0);
  l.on_sent(0, 0);  // warm-up
  l.on_sent(0, 1);
  l.on_sent(0, 2);
  l.on_received(0, 1, V::kInOrder);
  l.on_received(1, 1, V::kInOrder);
  l.on_received(2, 1, V::kInOrder);
  l.on_received(2, 1, V::kInOrder);
  EXPECT_EQ(l.tally(0).received, 1u);
  auto sum = l.tally_range(1, 2);
  EXPECT_EQ(sum.sent, 2u);
  EXPECT_EQ(sum.expected, 4u);
  EXPECT_EQ(sum.received, 3u);
  // Out-of-range epochs are not counted.
  EXPECT_EQ(l.on_sent(0, DeliveryLedger::kMaxEpochs), 0u);
  EXPECT_FALSE(l.on_received(DeliveryLedger::kMaxEpochs, 0, V::kInOrder));
  EXPECT_EQ(l.malformed(), 1u);
}

TEST(DeliveryLedger, OrderStatsPerSender) {
  DeliveryLedger l(5, 1);
  l.on_received(1, 2, V::kOutOfOrder);
  l.on_received(1, 2, V::kOutOfOrder);
  l.on_received(1, 4, V::kOutOfOrder);
  l.on_received(1, 1, V::kDuplicate);
  l.on_received(1, 1, V::kGap);
  l.on_received(1, 3, V::kInOrder);
  auto s = l.order_stats();
  EXPECT_EQ(s.out_of_order, 3u);
  EXPECT_EQ(s.senders_out_of_order, 2u);
  EXPECT_EQ(s.max_out_of_order_per_sender, 2u);
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.gaps, 1u);
  // Out-of-order and duplicate deliveries still count as received.
  EXPECT_EQ(l.tally(1).received, 6u);
}

TEST(DeliveryLedger, StrayCounters) {
  DeliveryLedger l(1, 1);
  l.on_echo();
  l.on_misrouted();
  l.on_misrouted();
  l.on_malformed();
  EXPECT_EQ(l.echoed(), 1u);
  EXPECT_EQ(l.misrouted(), 2u);
  EXPECT_EQ(l.malformed(), 1u);
}

TEST(DeliveryLedger, ConcurrentCountingIsExact) {
  DeliveryLedger l(8, 1);
  for (int i = 0; i < 8; ++i) l.member_joined(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&l] {
      for (int i = 0; i < 10000; ++i) {
        l.on_sent(0, 1);
        l.on_received(1, 0, V::kInOrder);
      }
    });
  for (auto& t : threads) t.join();
  auto t = l.tally(1);
  EXPECT_EQ(t.sent, 40000u);
  EXPECT_EQ(t.expected, 40000u * 7);
  EXPECT_EQ(t.received, 40000u);
}
