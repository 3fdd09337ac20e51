// Bans (core/ban_list.h): mask parsing, glob and CIDR matches, expiry.
#include <gtest/gtest.h>

#include "core/ban_list.h"

namespace lobbyd::core {
namespace {

Ban parsed(std::string_view mask) {
  Ban b;
  EXPECT_EQ(BanList::parse(mask, b), "") << mask;
  b.reason = std::string(mask);
  return b;
}

TEST(BanList, RefusesBadMasks) {
  Ban b;
  EXPECT_EQ(BanList::parse("", b), "empty mask");
  EXPECT_EQ(BanList::parse("a b", b), "mask contains a space or comma");
  EXPECT_EQ(BanList::parse("a,b", b), "mask contains a space or comma");
  EXPECT_EQ(BanList::parse("10.0.0.0/33", b), "bad CIDR prefix length");
  EXPECT_NE(BanList::parse("nope/8", b), "");
}

TEST(BanList, GlobIsCaseInsensitive) {
  EXPECT_TRUE(glob_match("b*b", "bob"));
  EXPECT_TRUE(glob_match("b?b", "BOB"));
  EXPECT_FALSE(glob_match("b?b", "boob"));
  EXPECT_TRUE(glob_match("*", ""));
  BanList l;
  l.add(parsed("Troll*!*@*"));
  EXPECT_NE(l.match("trolly", "u", "10.1.2.3", 0), nullptr);
  EXPECT_EQ(l.match("alice", "u", "10.1.2.3", 0), nullptr);
  EXPECT_EQ(l.match_ip("10.1.2.3", 0), nullptr);  // needs the nick
}

TEST(BanList, AddressAndCidrMatchBeforeRegistration) {
  BanList l;
  l.add(parsed("10.0.0.0/8"));
  l.add(parsed("*!*@192.168.1.7"));
  EXPECT_NE(l.match_ip("10.200.3.4", 0), nullptr);
  EXPECT_EQ(l.match_ip("11.0.0.1", 0), nullptr);
  EXPECT_NE(l.match_ip("192.168.1.7", 0), nullptr);
  EXPECT_NE(l.match("anyone", "u", "10.0.0.1", 0), nullptr);
}

TEST(BanList, ExpiredBansDoNotMatch) {
  BanList l;
  Ban b = parsed("10.0.0.0/8");
  b.expires_at = 100;
  l.add(b);
  EXPECT_NE(l.match_ip("10.0.0.1", 99), nullptr);
  EXPECT_EQ(l.match_ip("10.0.0.1", 100), nullptr);
  EXPECT_FALSE(l.empty());
}

}  // namespace
}  // namespace lobbyd::core
