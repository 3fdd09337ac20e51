// core/address_limits: keys, the exemption list, counts and the rate bucket.
#include "core/address_limits.h"

#include <gtest/gtest.h>

namespace lobbyd::core {
namespace {

namespace ip = boost::asio::ip;
using namespace std::chrono_literals;
using V = AddressLimits::Verdict;

ip::address a(const char* s) { return ip::make_address(s); }

TEST(AddressLimits, KeysAreTheAddressOrTheIpv6Slash64) {
  EXPECT_EQ(AddressLimits::key(a("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(AddressLimits::key(a("::ffff:192.0.2.7")), "192.0.2.7");  // dual-stack listener
  EXPECT_EQ(AddressLimits::key(a("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressLimits::key(a("2001:db8:1:2:bbbb::9")), AddressLimits::key(a("2001:db8:1:2::")));
}

TEST(AddressLimits, ExemptionListParsesAddressesAndCidrs) {
  std::vector<std::string> bad;
  auto l = AddressLimits::parse_exempt("127.0.0.0/8, ::1 10.1.2.3 nonsense 10.0.0.0/33 2001:db8::/32", &bad);
  EXPECT_EQ(l.size(), 4u);
  EXPECT_EQ(bad, (std::vector<std::string>{"nonsense", "10.0.0.0/33"}));
  EXPECT_TRUE(AddressLimits::matches(l, a("127.9.9.9")));
  EXPECT_TRUE(AddressLimits::matches(l, a("::ffff:127.0.0.1")));
  EXPECT_TRUE(AddressLimits::matches(l, a("::1")));
  EXPECT_TRUE(AddressLimits::matches(l, a("10.1.2.3")));
  EXPECT_FALSE(AddressLimits::matches(l, a("10.1.2.4")));
  EXPECT_TRUE(AddressLimits::matches(l, a("2001:db8:ffff::1")));
  EXPECT_FALSE(AddressLimits::matches(l, a("2001:db9::1")));
  EXPECT_FALSE(AddressLimits::matches(l, a("128.0.0.1")));
}

TEST(AddressLimits, CountsRegisteredAndUnregisteredApart) {
  AddressLimits lim;
  AddressLimitSettings s{3, 2, 0, 1, ""};
  auto t = AddressLimits::Clock::now();
  auto x = a("192.0.2.1");
  std::string k = AddressLimits::key(x);
  EXPECT_EQ(lim.admit(x, s, t), V::kOk);
  EXPECT_EQ(lim.admit(x, s, t), V::kOk);
  EXPECT_EQ(lim.admit(x, s, t), V::kTooManyUnregistered);
  lim.registered(k);
  EXPECT_EQ(lim.admit(x, s, t), V::kOk);   // 3 open, 2 unregistered
  lim.registered(k);
  EXPECT_EQ(lim.admit(x, s, t), V::kTooMany);
  lim.release(k, true);
  EXPECT_EQ(lim.admit(x, s, t), V::kOk);
  EXPECT_EQ(lim.admit(a("192.0.2.2"), s, t), V::kOk);  // another address: its own counts
}

TEST(AddressLimits, RateBucketRefillsAndIdleEntriesAreForgotten) {
  AddressLimits lim;
  AddressLimitSettings s{0, 0, 1.0, 2, "192.0.2.99"};
  auto t = AddressLimits::Clock::now();
  auto x = a("192.0.2.1");
  std::string k = AddressLimits::key(x);
  EXPECT_EQ(lim.admit(x, s, t), V::kOk);
  EXPECT_EQ(lim.admit(x, s, t), V::kOk);
  EXPECT_EQ(lim.admit(x, s, t), V::kTooFast);
  EXPECT_EQ(lim.admit(x, s, t + 1100ms), V::kOk);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(lim.admit(a("192.0.2.99"), s, t), V::kExempt);
  for (int i = 0; i < 3; ++i) lim.release(k, false);
  lim.tick(t + 1200ms);  // bucket not full yet: remembered
  EXPECT_EQ(lim.tracked(), 2u);
  lim.tick(t + 5s);  // x idle with a full bucket; the exempt one still has 50 open
  EXPECT_EQ(lim.tracked(), 1u);
}

}  // namespace
}  // namespace lobbyd::core
