// The stats registry (core/stats.h): one snapshot, the STATS and log-line
// exporters' exact formats (bench/ and the load tool parse them), and a
// registered source written by each exporter.
#include "session_harness.h"

#include <gtest/gtest.h>

#include <regex>

#include "core/stats.h"

namespace lobbyd::core {
namespace {

std::shared_ptr<Settings> settings() {
  auto s = std::make_shared<Settings>();
  s->server_name = "stats.test";
  s->lobbies = {{"#lobby", "Welcome", 100}, {"#other", "", 10}};
  return s;
}

StatGroup db_group() {
  return StatGroup{"database",
                   "db",
                   {{"connected", "lobbyd_db_connected", StatKind::kFlag, "up", 1},
                    {"polls", "lobbyd_db_polls_total", StatKind::kCounter, "polls", 7},
                    {"hidden", "lobbyd_db_hidden", StatKind::kGauge, "json only", 3, 0, kToJson},
                    {"secs", "lobbyd_db_secs", StatKind::kGauge, "real", 0.25, 0, kToStats, true}}};
}

TEST(Stats, SnapshotCountsClientsLobbiesAndSources) {
  SessionHarness h(settings());
  auto a = h.connect("10.0.0.1");
  h.connect("10.0.0.2");
  h.send(a, "NICK alice\r\nUSER a 0 * :A\r\nJOIN #lobby\r\n");
  h.server().add_stats_source(db_group);
  ServerStats s = collect_stats(h.server());
  ASSERT_EQ(s.workers.size(), 2u);
  EXPECT_EQ(s.total.connections, 2u);
  EXPECT_EQ(s.total.accepted, 2u);
  EXPECT_EQ(s.tcp() + s.tls + s.ws, 2u);
  EXPECT_EQ(s.nicks, 1u);
  EXPECT_EQ(s.lobbies, 2u);
  EXPECT_GE(s.total.msgs_in, 3u);
  EXPECT_EQ(s.total.msgs_in, s.workers[0].c.msgs_in + s.workers[1].c.msgs_in);
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_EQ(s.groups[0].name, "database");

  auto lines = stats_lines(s);
  ASSERT_EQ(lines.size(), 4u);  // two workers, the total, the source
  std::regex worker(
      R"(worker 0: connections=1 accepted=1 msgs_in=\d+ msgs_out=\d+ bytes_in=\d+ bytes_out=\d+ )"
      R"(sendq_cuts=0 flood_cuts=0 busy_ms=\d+ busy_pct=\d+\.\d\d)");
  EXPECT_TRUE(std::regex_match(lines[0], worker)) << lines[0];
  std::regex total(R"(total: connections=2 msgs_in=\d+ msgs_out=\d+ bytes_in=\d+ bytes_out=\d+ )"
                   R"(nicks=1 lobbies=2 uptime_s=\d+)");
  EXPECT_TRUE(std::regex_match(lines[2], total)) << lines[2];
  EXPECT_EQ(lines[3], "database: connected=1 polls=7 secs=0.25");
  EXPECT_EQ(h.server().stats_lines().size(), 4u);
}

TEST(Stats, LogLineIsARateOverTheInterval) {
  WorkerStats w;
  w.index = 1;
  w.c.connections = 3;
  w.c.msgs_in = 300;
  w.c.msgs_out = 900;
  w.c.bytes_in = 3000;
  w.c.bytes_out = 9000;
  w.c.busy_ns = 500'000'000;
  w.c.sendq_cuts = 1;
  net::CounterSnapshot prev{};
  prev.msgs_in = 100;
  auto lines = stats_log_lines({w}, {prev}, 2.0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "stats worker=1 conns=3 msgs_in/s=100 msgs_out/s=450 bytes_in/s=1500 bytes_out/s=4500 "
            "busy=25.0% sendq_cuts=1 flood_cuts=0");
}

}  // namespace
}  // namespace lobbyd::core
