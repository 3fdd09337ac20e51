// The operator actions (core/admin_actions.h) that IRC KILL, the HTTP API
// and admin_commands rows share: one rule for the text, the same errors,
// and the row front-end's exact result texts (test_db_control.py reads them).
#include "session_harness.h"

#include <gtest/gtest.h>

#include "core/admin_actions.h"

namespace lobbyd::core {
namespace {

std::shared_ptr<Settings> settings() {
  auto s = std::make_shared<Settings>();
  s->server_name = "admin.test";
  s->lobbies = {{"#lobby", "Welcome", 100}};
  return s;
}

bool has(const std::string& out, const std::string& what) { return out.find(what) != std::string::npos; }

struct AdminTest : ::testing::Test {
  SessionHarness h{settings()};
  std::size_t alice = h.connect("10.0.0.1"), bob = h.connect("10.0.0.2");
  void SetUp() override {
    h.send(alice, "NICK alice\r\nUSER a 0 * :A\r\nJOIN #lobby\r\n");
    h.send(bob, "NICK bob\r\nUSER b 0 * :B\r\n");
    h.take_output(alice);
    h.take_output(bob);
  }
  std::string row(std::string_view verb, std::string_view args, const AdminTarget* t = nullptr) {
    AdminTarget plain{h.server(), {}, {}};
    AdminResult r = run_admin_command(t ? *t : plain, verb, args);
    h.settle();
    return r.ok() ? r.text : "error: " + r.text;
  }
};

TEST(AdminText, OneLineOfOneTo400Bytes) {
  EXPECT_EQ(admin_text_problem("fine"), "");
  EXPECT_EQ(admin_text_problem(std::string(400, 'x')), "");
  EXPECT_EQ(admin_text_problem(""), "the text is empty");
  EXPECT_EQ(admin_text_problem(std::string(401, 'x')), "the text is 401 bytes, at most 400");
  for (std::string_view bad : {std::string_view("a\nb"), std::string_view("a\rb"), std::string_view("a\0b", 3)})
    EXPECT_EQ(admin_text_problem(bad), "the text must be one line (no CR, LF or NUL)");
}

TEST(AdminTable, VerbsInTheOrderTheErrorListsThem) {
  std::vector<std::string_view> verbs;
  for (const auto& a : admin_actions()) verbs.push_back(a.verb);
  EXPECT_EQ(verbs, (std::vector<std::string_view>{"kick", "broadcast", "announce", "shutdown", "profiler"}));
}

TEST_F(AdminTest, RowKickAndItsErrors) {
  EXPECT_EQ(row("kick", ""), "error: usage: kick <nick> [reason]");
  EXPECT_EQ(row("kick", "nobody"), "error: no such nick 'nobody'");
  EXPECT_EQ(row("KICK", "bob two\nlines"), "error: the text must be one line (no CR, LF or NUL)");
  EXPECT_FALSE(h.closed(bob));
  EXPECT_EQ(row("kick", "bob no cheating"), "ok: kicked bob");
  EXPECT_TRUE(has(h.take_output(bob), "ERROR :Closing Link: 10.0.0.2 (Kicked: no cheating)"));
}

TEST_F(AdminTest, KickWithoutReasonUsesTheDefault) {
  EXPECT_EQ(row("kick", "bob"), "ok: kicked bob");
  EXPECT_TRUE(has(h.take_output(bob), "Kicked by an operator"));
}

TEST_F(AdminTest, TypedKickHoldsTheNickToTheTextRule) {
  AdminResult r = admin_kick(h.server(), "bo\nb", "", "x");
  EXPECT_EQ(r.error, AdminError::kBadNick);
  EXPECT_EQ(r.text, "bad nick: the text must be one line (no CR, LF or NUL)");
  EXPECT_EQ(admin_kick(h.server(), "", "", "x").error, AdminError::kUsage);
  EXPECT_EQ(admin_kick(h.server(), "bob", std::string(401, 'r'), "x").error, AdminError::kBadText);
  EXPECT_EQ(admin_kick(h.server(), "carol", "", "x").error, AdminError::kNoSuchNick);
}

TEST_F(AdminTest, BroadcastReachesEveryRegisteredClient) {
  EXPECT_EQ(row("broadcast", ""), "error: usage: broadcast <text>");
  EXPECT_EQ(row("broadcast", "first\nKILL alice :x"), "error: the text must be one line (no CR, LF or NUL)");
  EXPECT_EQ(row("broadcast", "maintenance at noon"), "ok");
  for (auto c : {alice, bob}) EXPECT_TRUE(has(h.take_output(c), ":admin.test NOTICE * :maintenance at noon\r\n"));
}

TEST_F(AdminTest, AnnounceGoesToTheLobbyOnly) {
  EXPECT_EQ(row("announce", ""), "error: no such lobby ''");
  EXPECT_EQ(row("announce", "#nope hi"), "error: no such lobby '#nope'");
  EXPECT_EQ(row("announce", "#lobby"), "error: usage: announce <#lobby> <text>");
  EXPECT_EQ(row("announce", "#lobby a\r\nb"), "error: the text must be one line (no CR, LF or NUL)");
  EXPECT_EQ(row("announce", "#lobby tournament soon"), "ok");
  EXPECT_TRUE(has(h.take_output(alice), ":admin.test NOTICE #lobby :tournament soon\r\n"));
  EXPECT_FALSE(has(h.take_output(bob), "tournament"));
}

TEST_F(AdminTest, ShutdownAndProfilerThroughTheirHooks) {
  EXPECT_EQ(row("shutdown", "1"), "error: shutdown not available");
  EXPECT_EQ(row("profiler", "on"), "error: the profiler is not built in");
  std::vector<long> grace;
  std::vector<std::string> verbs;
  AdminTarget t{h.server(), [&](std::chrono::seconds s) { grace.push_back(s.count()); },
                [&](std::string_view v) {
                  verbs.emplace_back(v);
                  return v == "reset" ? std::string("error: broken") : "ok: profiler " + std::string(v);
                }};
  EXPECT_EQ(row("shutdown", "x", &t), "error: usage: shutdown <seconds 0-3600>");
  EXPECT_EQ(row("shutdown", "3601", &t), "error: usage: shutdown <seconds 0-3600>");
  EXPECT_EQ(row("shutdown", "5s", &t), "error: usage: shutdown <seconds 0-3600>");
  EXPECT_EQ(row("shutdown", "", &t), "ok: shutting down, 0 s to drain");
  EXPECT_EQ(row("shutdown", "30", &t), "ok: shutting down, 30 s to drain");
  EXPECT_EQ(grace, (std::vector<long>{0, 30}));
  EXPECT_EQ(row("profiler", "sideways", &t), "error: usage: profiler on|off|reset");
  EXPECT_EQ(row("profiler", "ON", &t), "ok: profiler on");
  EXPECT_EQ(row("profiler", "reset", &t), "error: broken");
  EXPECT_EQ(verbs, (std::vector<std::string>{"on", "reset"}));
}

TEST_F(AdminTest, UnknownVerbListsTheKnownOnes) {
  EXPECT_EQ(row("Frobnicate", "x"),
            "error: unknown verb 'Frobnicate' (kick, broadcast, announce, shutdown, profiler)");
}

}  // namespace
}  // namespace lobbyd::core
