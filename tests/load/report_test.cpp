#include "load/report.h"

#include <gtest/gtest.h>

#include "load/json.h"

using namespace lobbyd::load;

TEST(Json, EscapesAndNests) {
  JsonWriter j;
  j.begin_object()
      .field("s", "a\"b\\c\nd\x01")
      .field("n", 42)
      .field("u", std::uint64_t{18446744073709551615ull})
      .field("neg", -3)
      .field("d", 0.25)
      .field("nan", 0.0 / 0.0)
      .field("t", true)
      .null_field("z");
  j.begin_array("a").value("x").value(1.5).end_array();
  j.begin_object("o").field("k", "v").end_object();
  j.end_object();
  EXPECT_EQ(j.str(),
            "{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":42,\"u\":18446744073709551615,\"neg\":-3,"
            "\"d\":0.25,\"nan\":null,\"t\":true,\"z\":null,\"a\":[\"x\",1.5],\"o\":{\"k\":\"v\"}}");
}

TEST(Json, ArrayOfObjects) {
  JsonWriter j;
  j.begin_array();
  j.begin_object().field("a", 1).end_object();
  j.begin_object().field("a", 2).end_object();
  j.end_array();
  EXPECT_EQ(j.str(), "[{\"a\":1},{\"a\":2}]");
}

namespace {
RunReport chat_report() {
  RunReport r;
  r.opts.scenario = Scenario::kChat;
  r.host = "127.0.0.1";
  r.port = 6667;
  r.requested = r.connected = r.registered = r.joined = 100;
  r.has_chat = true;
  r.measured_s = 2;
  r.chat.sent = 400;
  r.chat.expected = 400 * 24;
  r.chat.received = 400 * 24;
  LatencyHistogram h;
  h.record(1'500'000);
  r.latency = LatencySummary::of(h);
  r.cpu_percent = 12.5;
  return r;
}
}  // namespace

TEST(Report, JsonIsOneLineWithTheFigures) {
  RunReport r = chat_report();
  std::string json = render_json(r);
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_NE(json.find("\"scenario\":\"chat\""), std::string::npos);
  EXPECT_NE(json.find("\"ok\":true"), std::string::npos);
  EXPECT_NE(json.find("\"delivery_ratio\":1,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"deliveries_per_s\":4800"), std::string::npos) << json;
  EXPECT_NE(json.find("\"p99\":1.5"), std::string::npos) << json;
  EXPECT_NE(json.find("\"cpu_percent\":12.5"), std::string::npos) << json;
  EXPECT_EQ(json.find("\"ramp\""), std::string::npos);
  EXPECT_EQ(json.find("\"storm\""), std::string::npos);
}

TEST(Report, NoExpectationsGiveNullRatio) {
  RunReport r = chat_report();
  r.chat = EpochTally{};
  EXPECT_NE(render_json(r).find("\"delivery_ratio\":null"), std::string::npos);
}

TEST(Report, TableNamesStatusAndCpu) {
  RunReport r = chat_report();
  r.status = "failed";
  r.failures.push_back("3 connection errors");
  std::string t = render_table(r);
  EXPECT_NE(t.find("status"), std::string::npos);
  EXPECT_NE(t.find("failed"), std::string::npos);
  EXPECT_NE(t.find("3 connection errors"), std::string::npos);
  EXPECT_NE(t.find("load generator CPU"), std::string::npos);
  EXPECT_NE(t.find("12.5%"), std::string::npos);
  EXPECT_FALSE(r.ok());
}

TEST(Report, RampAndStormSections) {
  RunReport r;
  r.opts.scenario = Scenario::kRamp;
  r.has_ramp = true;
  StepStats s;
  s.rate = 1;
  s.seconds = 1;
  s.tally.sent = 10;
  s.tally.expected = 20;
  s.tally.received = 20;
  r.steps.push_back(s);
  r.verdicts.push_back(StepVerdict::kPass);
  r.best_deliveries_per_s = 20;
  r.stop_reason = "all 1 steps passed";
  std::string json = render_json(r);
  EXPECT_NE(json.find("\"max_sustained_deliveries_per_s\":20"), std::string::npos) << json;
  EXPECT_NE(json.find("\"pass\":true"), std::string::npos);
  EXPECT_NE(render_table(r).find("highest sustained"), std::string::npos);

  RunReport st;
  st.opts.scenario = Scenario::kStorm;
  st.has_storm = true;
  st.storm_registered = 500;
  st.storm_s = 2;
  EXPECT_NE(render_json(st).find("\"registrations_per_s\":250"), std::string::npos);
}
