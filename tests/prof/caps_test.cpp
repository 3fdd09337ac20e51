// The caps: zone sites (kMaxZones) and call-tree nodes (kMaxNodes). Its own
// executable because zone ids are assigned once per process.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "prof/profiler.h"

namespace {

using namespace lobbyd::prof;

TEST(ProfCaps, ZoneSitesAndTreeNodes) {
  auto& p = Profiler::instance();
  constexpr std::uint32_t kSites = kMaxZones + 76;
  std::vector<std::string> names;
  std::vector<std::unique_ptr<ZoneDesc>> sites;
  names.reserve(kSites);
  for (std::uint32_t i = 0; i < kSites; ++i) {
    names.push_back("c.z" + std::to_string(i));
    sites.push_back(std::make_unique<ZoneDesc>(names.back().c_str(), __FILE__, i));
  }
  p.reset();
  p.enable();
  for (std::uint32_t i = 0; i < kSites; ++i) Zone z(*sites[i]);
  // 1024 x 8 distinct two-level paths: more than the tree holds.
  for (std::uint32_t i = 0; i < kMaxZones; ++i) {
    for (std::uint32_t j = 0; j < 8; ++j) {
      Zone a(*sites[i]);
      Zone b(*sites[j]);
    }
  }
  p.disable();
  const Snapshot s = p.snapshot();
  EXPECT_EQ(s.zones.size(), kMaxZones + 1u);  // + the root placeholder
  EXPECT_EQ(s.zones_dropped, 76u);
  ASSERT_EQ(s.threads.size(), 1u);
  const ThreadProfile& t = s.threads[0];
  // Zone figures stay exact when the tree is full.
  ASSERT_EQ(t.zones.size(), kMaxZones);
  for (const auto& z : t.zones) {
    const std::uint32_t i = z.zone - 1;  // ids follow first use
    EXPECT_EQ(s.zone_name(z.zone), "c.z" + std::to_string(i));
    EXPECT_EQ(z.calls, 1u + 8u + (i < 8 ? kMaxZones : 0u)) << i;
  }
  EXPECT_EQ(t.nodes.size(), kMaxNodes);
  EXPECT_EQ(t.dropped_nodes, std::uint64_t{kMaxZones} * 8 - (kMaxNodes - 1 - kMaxZones));
  EXPECT_LT(p.memory_used(), std::size_t{2} << 20);
  const std::string txt = format_text(s, 5, 0);
  EXPECT_NE(txt.find("not recorded:"), std::string::npos) << txt;
  p.reset();
  EXPECT_LE(p.memory_used(), 4096u);
}

}  // namespace
