// Tests for lobbyd::proto::find_tag().
#include <gtest/gtest.h>

#include <string_view>

#include "proto/message.h"

namespace lobbyd::proto {
namespace {

TEST(FindTag, FindsValuesAndValuelessTags) {
  constexpr std::string_view tags = "a=1;+b;c=x";
  std::string_view v = "untouched";
  ASSERT_TRUE(find_tag(tags, "a", v));
  EXPECT_EQ(v, "1");
  ASSERT_TRUE(find_tag(tags, "+b", v));
  EXPECT_EQ(v, "");
  ASSERT_TRUE(find_tag(tags, "c", v));
  EXPECT_EQ(v, "x");
}

TEST(FindTag, MissingKeyLeavesValueAlone) {
  constexpr std::string_view tags = "a=1;+b;c=x";
  std::string_view v = "untouched";
  EXPECT_FALSE(find_tag(tags, "b", v));  // "+b" is a different key
  EXPECT_FALSE(find_tag(tags, "A", v));  // keys are case-sensitive
  EXPECT_FALSE(find_tag(tags, "a=1", v));
  EXPECT_FALSE(find_tag(tags, "c=x", v));
  EXPECT_FALSE(find_tag(tags, "1", v));
  EXPECT_FALSE(find_tag("", "a", v));
  EXPECT_EQ(v, "untouched");
}

TEST(FindTag, NoPrefixMatches) {
  std::string_view v;
  EXPECT_FALSE(find_tag("abc=1;xyz=2", "ab", v));
  EXPECT_FALSE(find_tag("abc=1;xyz=2", "abcd", v));
  EXPECT_FALSE(find_tag("abc=1;xyz=2", "yz", v));
  EXPECT_TRUE(find_tag("abc=1;xyz=2", "xyz", v));
  EXPECT_EQ(v, "2");
}

TEST(FindTag, FirstOccurrenceWins) {
  std::string_view v;
  ASSERT_TRUE(find_tag("k=1;k=2", "k", v));
  EXPECT_EQ(v, "1");
}

TEST(FindTag, ValueKeptRawAndMayContainEquals) {
  std::string_view v;
  ASSERT_TRUE(find_tag("msg=a\\sb\\:c;x=1", "msg", v));
  EXPECT_EQ(v, "a\\sb\\:c");
  ASSERT_TRUE(find_tag("k=a=b", "k", v));
  EXPECT_EQ(v, "a=b");
}

TEST(FindTag, EmptyValueAndEmptySegments) {
  std::string_view v = "x";
  ASSERT_TRUE(find_tag("a=;b=2", "a", v));
  EXPECT_EQ(v, "");
  ASSERT_TRUE(find_tag(";;b=2;", "b", v));
  EXPECT_EQ(v, "2");
  ASSERT_TRUE(find_tag("a=1;", "a", v));
  EXPECT_EQ(v, "1");
}

TEST(FindTag, ValuePointsIntoTags) {
  constexpr std::string_view tags = "time=2024-01-01T00:00:00Z;msgid=abc";
  std::string_view v;
  ASSERT_TRUE(find_tag(tags, "msgid", v));
  EXPECT_EQ(v.data(), tags.data() + tags.size() - 3);
}

TEST(FindTag, WorksOnParsedTags) {
  MessageView m;
  ASSERT_EQ(parse("@+game/seq=42;time=now :n PRIVMSG #a :x", m), ParseError::kOk);
  std::string_view v;
  ASSERT_TRUE(find_tag(m.tags, "+game/seq", v));
  EXPECT_EQ(v, "42");
  ASSERT_TRUE(find_tag(m.tags, "time", v));
  EXPECT_EQ(v, "now");
}

}  // namespace
}  // namespace lobbyd::proto
