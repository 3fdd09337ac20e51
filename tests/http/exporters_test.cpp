// The exporters of core::ServerStats in http/exporters.h: Prometheus text
// (names, HELP/TYPE, labels, a registered source's figures, the handler
// histogram) and the /api/status fields.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/exporters.h"

namespace lobbyd::http {
namespace {

core::ServerStats sample_stats() {
  core::ServerStats s;
  s.uptime_s = 12;
  for (unsigned i = 0; i < 2; ++i) {
    core::WorkerStats w;
    w.index = i;
    w.c.connections = 3 + i;
    w.c.busy_ns = 1'500'000'000;
    w.handler_buckets[0] = 10;
    w.handler_buckets.back() = 1;
    s.workers.push_back(w);
  }
  s.total.connections = 7;
  s.total.accepted = 9;
  s.total.busy_ns = 3'000'000'000;
  s.tls = 2;
  s.ws = 1;
  s.nicks = 5;
  s.lobbies = 2;
  s.tables = 1;
  s.games_finished = 4;
  s.groups.push_back(core::StatGroup{
      "database",
      "db",
      {{"connected", "lobbyd_db_connected", core::StatKind::kFlag, "1 if up.", 1},
       {"writes_done", "lobbyd_db_writes_total", core::StatKind::kCounter, "Rows written.", 42},
       {"writes_failed", "lobbyd_db_writes_failed_total", core::StatKind::kCounter, "Refused.", 1, 0,
        core::kToStats | core::kToMetrics},
       {"apply", "lobbyd_db_apply_seconds", core::StatKind::kSummary, "Apply time.", 0.5, 3, core::kToMetrics,
        true}}});
  return s;
}

Exposure exposure() { return Exposure{"irc \"x\"\\", "Net", {0.25, 0.5}, true, 2, 10}; }

bool has(const std::string& out, const std::string& what) { return out.find(what) != std::string::npos; }

TEST(Prometheus, FamiliesLabelsAndSources) {
  std::string t = prometheus_text(sample_stats(), exposure());
  EXPECT_TRUE(has(t, "lobbyd_info{version=\"" LOBBYD_VERSION "\",server=\"irc \\\"x\\\"\\\\\"} 1\n")) << t;
  EXPECT_TRUE(has(t, "# HELP lobbyd_uptime_seconds Seconds since the server started.\n"
                     "# TYPE lobbyd_uptime_seconds gauge\nlobbyd_uptime_seconds 12\n"));
  EXPECT_TRUE(has(t, "lobbyd_connections{transport=\"tcp\"} 4\n"));
  EXPECT_TRUE(has(t, "lobbyd_connections{transport=\"tls\"} 2\n"));
  EXPECT_TRUE(has(t, "lobbyd_connections{transport=\"ws\"} 1\n"));
  EXPECT_TRUE(has(t, "lobbyd_worker_connections{worker=\"1\"} 4\n"));
  EXPECT_TRUE(has(t, "lobbyd_worker_busy_ratio{worker=\"0\"} 0.25\n"));
  EXPECT_TRUE(has(t, "lobbyd_worker_busy_seconds_total{worker=\"1\"} 1.5\n"));
  EXPECT_TRUE(has(t, "# TYPE lobbyd_db_connected gauge\nlobbyd_db_connected 1\n"));
  EXPECT_TRUE(has(t, "# HELP lobbyd_db_writes_total Rows written.\n# TYPE lobbyd_db_writes_total counter\n"
                     "lobbyd_db_writes_total 42\n"));
  EXPECT_TRUE(has(t, "lobbyd_db_writes_failed_total 1\n"));
  EXPECT_TRUE(has(t, "# TYPE lobbyd_db_apply_seconds summary\nlobbyd_db_apply_seconds_sum 0.5\n"
                     "lobbyd_db_apply_seconds_count 3\n"));
  EXPECT_TRUE(has(t, "lobbyd_loop_handler_seconds_bucket{le=\"1e-05\"} 20\n")) << t;
  EXPECT_TRUE(has(t, "lobbyd_loop_handler_seconds_bucket{le=\"+Inf\"} 22\n"));
  EXPECT_TRUE(has(t, "lobbyd_loop_handler_seconds_sum 3\nlobbyd_loop_handler_seconds_count 22\n"));
  EXPECT_TRUE(has(t, "lobbyd_games_finished_total 4\n"));
  EXPECT_TRUE(has(t, "lobbyd_profiler_enabled 1\n"));
  EXPECT_TRUE(has(t, "lobbyd_http_requests_total 10\n"));
  EXPECT_TRUE(has(t, "lobbyd_internal_errors_total{where=\"http\"} "));
  // Every sample line belongs to a family announced before it.
  EXPECT_EQ(t.back(), '\n');
}

TEST(Prometheus, LabelEscapes) { EXPECT_EQ(prometheus_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd"); }

TEST(StatusFields, FieldsAndTheSourceObject) {
  nlohmann::json j = status_fields(sample_stats(), exposure());
  EXPECT_EQ(j["server"], "irc \"x\"\\");
  EXPECT_EQ(j["network"], "Net");
  EXPECT_EQ(j["uptime_s"], 12);
  EXPECT_EQ(j["connections"], 7);
  EXPECT_EQ(j["connections_by_transport"], (nlohmann::json{{"tcp", 4}, {"tls", 2}, {"ws", 1}}));
  EXPECT_EQ(j["registered"], 5);
  ASSERT_EQ(j["workers"].size(), 2u);
  EXPECT_EQ(j["workers"][1], (nlohmann::json{{"index", 1}, {"connections", 4}, {"busy_ratio", 0.5}}));
  EXPECT_EQ(j["games_finished"], 4);
  EXPECT_EQ(j["profiler"], (nlohmann::json{{"enabled", true}}));
  EXPECT_EQ(j["http"], (nlohmann::json{{"connections", 2}, {"requests", 10}}));
  // The source's figures: a flag is a boolean, counters are integers, and
  // figures not meant for JSON stay out.
  EXPECT_EQ(j["db"], (nlohmann::json{{"connected", true}, {"writes_done", 42}}));
  EXPECT_TRUE(j["db"]["writes_done"].is_number_unsigned());
}

}  // namespace
}  // namespace lobbyd::http
