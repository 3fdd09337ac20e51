// The control plane's row handling (core/control_plane.h) without a
// database: settings rows with a bad value keep the last good one, a
// deleted row reverts to the file's value, lobby and ban rows, and admin
// command rows through the admin-action table.
#include "session_harness.h"

#include <gtest/gtest.h>

#include "core/control_plane.h"

namespace lobbyd::core {
namespace {

std::shared_ptr<Settings> settings() {
  auto s = std::make_shared<Settings>();
  s->server_name = "cp.test";
  s->lobbies = {{"#lobby", "Welcome", 100}};
  return s;
}

bool has(const std::string& out, const std::string& what) { return out.find(what) != std::string::npos; }

struct ControlPlaneTest : ::testing::Test {
  std::shared_ptr<Settings> base = settings();
  SessionHarness h{base};
  std::vector<long> shutdowns;
  ControlPlane cp{h.server(), *base,
                  ControlPlane::Hooks{[this](std::chrono::seconds s) { shutdowns.push_back(s.count()); }, {}, {}}};
  const Settings& now() { return *h.server().settings_holder().get(); }
};

TEST_F(ControlPlaneTest, SettingsRowsKeepTheLastGoodValueAndRevert) {
  cp.on_settings({{"max_clients", "50"}, {"motd", "hello"}});
  EXPECT_EQ(now().max_clients, 50u);
  EXPECT_EQ(now().motd, "hello");
  cp.on_settings({{"max_clients", "zero"}, {"motd", "hello"}});
  EXPECT_EQ(now().max_clients, 50u);  // the last good value
  cp.on_settings({{"motd", "hello"}});
  EXPECT_EQ(now().max_clients, base->max_clients);  // deleted: the file's value
  auto before = h.server().settings_holder().version();
  cp.on_settings({{"ping_interval_s", "500"}, {"client_timeout_s", "100"}});
  EXPECT_EQ(h.server().settings_holder().version(), before);  // cross-field rule: not applied
}

TEST_F(ControlPlaneTest, LobbyRowsCreateUpdateAndClose) {
  cp.on_lobbies({{"#db", "From the db", "", 10, true}, {"bad name", "", "", 10, true}, {"#zero", "", "", 0, true},
                 {"#two", "a\nb", "", 10, true}});
  auto l = h.server().lobbies().find("#db");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->topic(), "From the db");
  EXPECT_EQ(l->capacity(), 10u);
  EXPECT_EQ(h.server().lobbies().find("#zero"), nullptr);
  EXPECT_EQ(h.server().lobbies().find("#two"), nullptr);
  cp.on_lobbies({{"#db", "New topic", "tictactoe", 20, true}});
  EXPECT_EQ(l->topic(), "New topic");
  EXPECT_EQ(l->capacity(), 20u);
  EXPECT_EQ(l->games(), "tictactoe");
  cp.on_lobbies({});
  h.settle();
  EXPECT_EQ(h.server().lobbies().find("#db"), nullptr);
  EXPECT_NE(h.server().lobbies().find("#lobby"), nullptr);  // the file's lobby stays
}

TEST_F(ControlPlaneTest, BanRowsDisconnectMatchingClients) {
  auto a = h.connect("10.0.0.1");
  auto b = h.connect("10.0.0.2");
  h.send(a, "NICK alice\r\nUSER a 0 * :A\r\n");
  h.send(b, "NICK bob\r\nUSER b 0 * :B\r\n");
  cp.on_bans({{1, "bob!*@*", "go away", std::nullopt}, {2, "", "empty", std::nullopt},
              {3, "alice", "a\nb", std::nullopt}});
  h.settle();
  EXPECT_TRUE(h.closed(b));
  EXPECT_TRUE(has(h.take_output(b), "go away"));
  EXPECT_FALSE(h.closed(a));  // its ban row had two lines: refused
  ASSERT_NE(h.server().bans()->match("bob", "b", "10.0.0.2", 0), nullptr);
}

TEST_F(ControlPlaneTest, CommandRowsGoThroughTheAdminTable) {
  auto a = h.connect("10.0.0.1");
  h.send(a, "NICK alice\r\nUSER a 0 * :A\r\n");
  h.take_output(a);
  EXPECT_EQ(cp.on_command({1, "broadcast", "hello all"}), "ok");
  h.settle();
  EXPECT_TRUE(has(h.take_output(a), ":cp.test NOTICE * :hello all\r\n"));
  EXPECT_EQ(cp.on_command({2, "kick", "nobody"}), "error: no such nick 'nobody'");
  EXPECT_EQ(cp.on_command({3, "profiler", "on"}), "error: the profiler is not built in");
  EXPECT_EQ(cp.on_command({4, "shutdown", "7"}), "ok: shutting down, 7 s to drain");
  EXPECT_EQ(shutdowns, (std::vector<long>{7}));
}

}  // namespace
}  // namespace lobbyd::core
