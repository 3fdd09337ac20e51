#include "load/payload.h"

#include <gtest/gtest.h>

using lobbyd::load::append_payload;
using lobbyd::load::parse_payload;
using lobbyd::load::Payload;

TEST(Payload, RoundTrip) {
  Payload p{4242, 17, 123456789012345678ull, 3};
  std::string text;
  append_payload(p, 0, text);
  EXPECT_EQ(text, "ld 4242 17 123456789012345678 3");
  Payload q;
  ASSERT_TRUE(parse_payload(text, q));
  EXPECT_EQ(q.sender, 4242u);
  EXPECT_EQ(q.seq, 17u);
  EXPECT_EQ(q.sent_ns, 123456789012345678ull);
  EXPECT_EQ(q.epoch, 3u);
}

TEST(Payload, AppendsToExistingText) {
  std::string line = "PRIVMSG #load0 :";
  append_payload(Payload{1, 2, 3, 0}, 0, line);
  EXPECT_EQ(line, "PRIVMSG #load0 :ld 1 2 3 0");
}

TEST(Payload, PaddingReachesRequestedSize) {
  std::string text;
  append_payload(Payload{1, 2, 3, 1}, 100, text);
  EXPECT_EQ(text.size(), 100u);
  Payload q;
  ASSERT_TRUE(parse_payload(text, q));
  EXPECT_EQ(q.seq, 2u);
  std::string shorter;
  append_payload(Payload{1, 2, 3, 1}, 5, shorter);  // already longer: no padding
  EXPECT_EQ(shorter, "ld 1 2 3 1");
}

TEST(Payload, RejectsForeignText) {
  Payload q;
  EXPECT_FALSE(parse_payload("", q));
  EXPECT_FALSE(parse_payload("hello world", q));
  EXPECT_FALSE(parse_payload("ld 1 2 3", q));         // no epoch
  EXPECT_FALSE(parse_payload("ld 1 2 3 x", q));
  EXPECT_FALSE(parse_payload("ld -1 2 3 4", q));
  EXPECT_FALSE(parse_payload("ld 1 2 3 4 hello", q));  // padding is only 'x'
  EXPECT_FALSE(parse_payload("ld 1  2 3 4", q));
  EXPECT_FALSE(parse_payload("ld 99999999999 2 3 4", q));  // sender overflows 32 bits
  EXPECT_TRUE(parse_payload("ld 1 2 3 4 xxx", q));
}
