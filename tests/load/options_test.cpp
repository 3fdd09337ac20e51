#include "load/options.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

using namespace lobbyd::load;

namespace {
struct Parsed {
  int code;
  Options opts;
  std::string message;
};

Parsed parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"lobbyd-load"};
  argv.insert(argv.end(), args.begin(), args.end());
  Parsed p;
  p.code = parse_options(static_cast<int>(argv.size()), argv.data(), p.opts, p.message);
  return p;
}
}  // namespace

TEST(Scenario, Names) {
  for (Scenario s : {Scenario::kIdle, Scenario::kChat, Scenario::kRamp, Scenario::kStorm})
    EXPECT_EQ(parse_scenario(to_string(s)), s);
  EXPECT_FALSE(parse_scenario("Chat").has_value());
  EXPECT_FALSE(parse_scenario("").has_value());
}

TEST(Options, Defaults) {
  auto p = parse({"chat"});
  ASSERT_EQ(p.code, -1) << p.message;
  EXPECT_EQ(p.opts.scenario, Scenario::kChat);
  EXPECT_EQ(p.opts.host, "127.0.0.1");
  EXPECT_EQ(p.opts.port, 6667);
  EXPECT_EQ(p.opts.clients, 100u);
  EXPECT_EQ(p.opts.lobbies, 4u);
  EXPECT_DOUBLE_EQ(p.opts.rate, 1.0);
  EXPECT_DOUBLE_EQ(p.opts.p99_bound_ms, 50.0);
  EXPECT_EQ(p.opts.sources, 1u);
  EXPECT_FALSE(p.opts.json_only);
  EXPECT_FALSE(p.opts.duration_given);
  EXPECT_FALSE(p.opts.count_given);
}

TEST(Options, AllRequiredFlags) {
  auto p = parse({"ramp", "--host", "10.0.0.5", "--port", "7000", "--clients", "2000", "--lobbies",
                  "40", "--rate", "2.5", "--duration", "12", "--warmup", "3", "--sources", "4",
                  "--timeout", "99", "--json-only", "--server-pid", "1234", "--p99-bound-ms", "20",
                  "--threads", "2"});
  ASSERT_EQ(p.code, -1) << p.message;
  const Options& o = p.opts;
  EXPECT_EQ(o.scenario, Scenario::kRamp);
  EXPECT_EQ(o.host, "10.0.0.5");
  EXPECT_EQ(o.port, 7000);
  EXPECT_EQ(o.clients, 2000u);
  EXPECT_EQ(o.lobbies, 40u);
  EXPECT_DOUBLE_EQ(o.rate, 2.5);
  EXPECT_DOUBLE_EQ(o.duration_s, 12);
  EXPECT_DOUBLE_EQ(o.warmup_s, 3);
  EXPECT_EQ(o.sources, 4u);
  EXPECT_DOUBLE_EQ(o.timeout_s, 99);
  EXPECT_TRUE(o.json_only);
  EXPECT_EQ(o.server_pid, 1234);
  EXPECT_DOUBLE_EQ(o.p99_bound_ms, 20);
  EXPECT_EQ(o.threads, 2u);
  EXPECT_TRUE(o.duration_given);
  EXPECT_DOUBLE_EQ(effective_timeout(o), 99);
}

TEST(Options, ScenarioIsRequiredAndChecked) {
  EXPECT_GT(parse({}).code, 0);
  auto p = parse({"flood"});
  EXPECT_GT(p.code, 0);
  EXPECT_FALSE(p.message.empty());
}

TEST(Options, RejectsBadValues) {
  EXPECT_GT(parse({"chat", "--clients", "0"}).code, 0);
  EXPECT_GT(parse({"chat", "--rate", "0"}).code, 0);
  EXPECT_GT(parse({"chat", "--port", "70000"}).code, 0);
  EXPECT_GT(parse({"chat", "--sources", "0"}).code, 0);
  EXPECT_GT(parse({"chat", "--clients", "many"}).code, 0);
  EXPECT_GT(parse({"chat", "--no-such-flag"}).code, 0);
}

TEST(Options, HelpExitsZeroWithText) {
  auto p = parse({"--help"});
  EXPECT_EQ(p.code, 0);
  EXPECT_NE(p.message.find("--p99-bound-ms"), std::string::npos);
  EXPECT_NE(p.message.find("--sources"), std::string::npos);
}

TEST(Options, StormCountAndDuration) {
  auto p = parse({"storm", "--clients", "200"});
  ASSERT_EQ(p.code, -1);
  EXPECT_EQ(p.opts.storm_count(), 200u);  // defaults to --clients
  EXPECT_EQ(p.opts.storm_duration_s(), 0.0);

  p = parse({"storm", "--duration", "5"});
  ASSERT_EQ(p.code, -1);
  EXPECT_EQ(p.opts.storm_count(), 0u);  // bounded by time only
  EXPECT_DOUBLE_EQ(p.opts.storm_duration_s(), 5.0);

  p = parse({"storm", "--count", "1000", "--duration", "5"});
  ASSERT_EQ(p.code, -1);
  EXPECT_EQ(p.opts.storm_count(), 1000u);  // whichever comes first
  EXPECT_DOUBLE_EQ(p.opts.storm_duration_s(), 5.0);
}

TEST(Validate, AcceptsDefaults) {
  Options o;
  EXPECT_EQ(validate(o, 28232, 20000), "");
}

TEST(Validate, PortRangeNeedsSources) {
  Options o;
  o.clients = 40000;
  std::string err = validate(o, 28232, 1'000'000);
  EXPECT_NE(err.find("--sources 2"), std::string::npos) << err;
  o.sources = 2;
  EXPECT_EQ(validate(o, 28232, 1'000'000), "");
  // Storm keeps only --concurrency connections open.
  o.scenario = Scenario::kStorm;
  o.sources = 1;
  EXPECT_EQ(validate(o, 28232, 1'000'000), "");
}

TEST(Validate, FileLimit) {
  Options o;
  o.clients = 5000;
  EXPECT_NE(validate(o, 28232, 1024).find("ulimit"), std::string::npos);
  EXPECT_EQ(validate(o, 28232, 0), "");  // unknown limit: not checked
}

TEST(Validate, LobbiesAndPrefixes) {
  Options o;
  o.clients = 3;
  o.lobbies = 4;
  EXPECT_NE(validate(o, 0, 0), "");
  o.scenario = Scenario::kIdle;  // idle joins no lobby
  EXPECT_EQ(validate(o, 0, 0), "");
  o = Options{};
  o.lobby_prefix = "load";
  EXPECT_NE(validate(o, 0, 0), "");
  o = Options{};
  o.nick_prefix = "9abc";
  EXPECT_NE(validate(o, 0, 0), "");
  o.nick_prefix = "Lab_";
  EXPECT_EQ(validate(o, 0, 0), "");
  o = Options{};
  o.sources = 3;
  o.source_base = "127.0.0.300";
  EXPECT_NE(validate(o, 0, 0), "");
  o.source_base = "127.0.0.2";
  EXPECT_EQ(validate(o, 0, 0), "");
}

TEST(Validate, StormNeedsABound) {
  Options o;
  o.scenario = Scenario::kStorm;
  o.count_given = true;
  o.count = 0;
  EXPECT_NE(validate(o, 0, 0), "");
}

TEST(Timeout, DerivedFromTheScenario) {
  Options o;
  o.scenario = Scenario::kChat;
  o.warmup_s = 2;
  o.duration_s = 10;
  o.drain_s = 3;
  double chat = effective_timeout(o);
  EXPECT_GT(chat, 15.0);
  o.duration_s = 100;
  EXPECT_GT(effective_timeout(o), chat + 80);
  o.scenario = Scenario::kRamp;
  o.max_steps = 10;
  EXPECT_GT(effective_timeout(o), 10 * (o.step_s + o.drain_s));
  o.timeout_s = 7;
  EXPECT_DOUBLE_EQ(effective_timeout(o), 7);
}

TEST(NickPrefix, Base36) {
  EXPECT_EQ(default_nick_prefix(0), "L0x");
  EXPECT_EQ(default_nick_prefix(35), "Lzx");
  EXPECT_EQ(default_nick_prefix(36), "L10x");
}
