// The in-process session harness (fuzz/session_harness.h) that the session
// fuzzer drives: lines really reach the command handlers, other clients on
// the other worker hear them, a game is played to its end, and once everyone
// hangs up nothing is left. Were the harness to swallow input, the fuzzer
// would fuzz nothing; these tests would fail.
#include "session_harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace lobbyd::core {
namespace {

std::shared_ptr<Settings> test_settings() {
  auto s = std::make_shared<Settings>();
  s->server_name = "harness.test";
  s->allow_create_lobbies = true;
  s->lobbies = {{"#lobby", "Welcome", 500}};
  return s;
}

bool has(const std::string& out, const std::string& what) { return out.find(what) != std::string::npos; }

TEST(SessionHarness, RegisterJoinChatAcrossWorkers) {
  SessionHarness h(test_settings());
  auto a = h.connect("10.0.0.1");  // worker 0
  auto b = h.connect("10.0.0.2");  // worker 1
  h.send(a, "NICK alice\r\nUSER a 0 * :Alice\r\nJOIN #lobby\r\n");
  h.send(b, "NICK bob\r\nUSER b 0 * :Bob\r\nJOIN #lobby\r\n");
  std::string out_a = h.take_output(a);
  EXPECT_TRUE(has(out_a, ":harness.test 001 alice ")) << out_a;
  EXPECT_TRUE(has(out_a, " 366 alice #lobby ")) << out_a;
  EXPECT_TRUE(has(out_a, ":bob!b@10.0.0.2 JOIN #lobby")) << out_a;
  h.send(b, "PRIVMSG #lobby :hello from the other worker\r\n");
  out_a = h.take_output(a);
  EXPECT_TRUE(has(out_a, ":bob!b@10.0.0.2 PRIVMSG #lobby :hello from the other worker\r\n")) << out_a;
  EXPECT_EQ(h.server().nicks().size(), 2u);
  EXPECT_EQ(h.connections(), 2u);
  h.hang_up(b);
  EXPECT_TRUE(has(h.take_output(a), ":bob!b@10.0.0.2 QUIT :"));
  EXPECT_EQ(h.connections(), 1u);
  h.hang_up_all();
  EXPECT_TRUE(h.settle());
  EXPECT_EQ(h.connections(), 0u);
  EXPECT_EQ(h.server().nicks().size(), 0u);
}

TEST(SessionHarness, TicTacToeToTheEndAndNothingLeft) {
  SessionHarness h(test_settings());
  auto a = h.connect("10.0.0.1");
  auto b = h.connect("10.0.0.2");
  h.send(a, "NICK alice\r\nUSER a 0 * :A\r\nJOIN #lobby\r\nTABLE NEW #lobby tictactoe\r\n");
  h.send(b, "NICK bob\r\nUSER b 0 * :B\r\nJOIN #lobby\r\nTABLE SIT &1\r\n");
  EXPECT_TRUE(has(h.take_output(a), "GAME &1 START :"));
  for (const char* m : {"MOVE &1 0", "MOVE &1 3", "MOVE &1 1", "MOVE &1 4", "MOVE &1 2"})
    h.send(m[8] == '0' || m[8] == '1' || m[8] == '2' ? a : b, std::string(m) + "\r\n");
  std::string out_b = h.take_output(b);
  EXPECT_TRUE(has(out_b, "GAME &1 OVER :")) << out_b;
  EXPECT_TRUE(has(out_b, "\"winner\":\"alice\"")) << out_b;
  EXPECT_EQ(h.server().tables().all().size(), 1u);
  h.hang_up_all();
  EXPECT_TRUE(h.server().tables().all().empty());
  EXPECT_EQ(h.server().lobbies().size(), 1u);
}

TEST(SessionHarness, ErrorsAndCutLinesReachTheFramer) {
  SessionHarness h(test_settings());
  auto a = h.connect("10.0.0.1");
  h.send(a, "NICK alice\r\nUSER a 0 * :A\r\nFROB\r\nJOIN #ne");
  std::string out = h.take_output(a);
  EXPECT_TRUE(has(out, " 421 alice FROB :")) << out;
  h.send(a, "w\r\n");  // the rest of the cut line
  EXPECT_TRUE(has(h.take_output(a), ":alice!a@10.0.0.1 JOIN #new")) << "lobby made by the user";
  EXPECT_EQ(h.server().lobbies().size(), 2u);
  h.hang_up(a);
  EXPECT_EQ(h.server().lobbies().size(), 1u);  // the user's lobby went with its last member
}

TEST(SessionHarness, AccountsAndResultsThroughTheRealStore) {
  SessionHarness h(test_settings(), /*database=*/true);
  auto a = h.connect("10.0.0.1");
  h.send(a, "NICK alice\r\nUSER a 0 * :A\r\nREGISTER alice * :correct horse battery\r\n");
  std::string out = h.take_output(a);
  EXPECT_TRUE(has(out, "REGISTER SUCCESS alice")) << out;
  EXPECT_TRUE(has(out, " 900 alice ")) << out;
  h.hang_up(a);
  // The account is in the database: a SASL login on a new connection.
  auto b = h.connect("10.0.0.2");
  h.send(b, "CAP LS 302\r\nNICK al2\r\nUSER a 0 * :A\r\nAUTHENTICATE PLAIN\r\n"
            "AUTHENTICATE AGFsaWNlAGNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==\r\nCAP END\r\n");
  out = h.take_output(b);
  EXPECT_TRUE(has(out, " 900 al2 ")) << out;
  EXPECT_TRUE(has(out, " 903 al2 ")) << out;
  // A wrong password on a third: refused, after the failure delay (1 s; a
  // timer, which settle() does not wait for).
  auto c = h.connect("10.0.0.3");
  h.send(c, "CAP LS 302\r\nNICK al3\r\nUSER a 0 * :A\r\nAUTHENTICATE PLAIN\r\n"
            "AUTHENTICATE AGFsaWNlAHdyb25n\r\n");
  EXPECT_FALSE(has(h.take_output(c), " 904 al3 "));
  // At least the delay; on a loaded machine the hash check may take longer.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    h.settle();
    refused = has(h.take_output(c), " 904 al3 ");
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(refused);
}

// Found by fuzz_session: a guest seated at a table logs in to the account
// of another seat at the same table. It took that seat too, so one
// connection held two; when it closed, the second seat kept a dangling
// session for good. Now the account's seat stays held (one seat each).
TEST(SessionHarness, LoginDoesNotGiveOneConnectionTwoSeats) {
  SessionHarness h(test_settings(), /*database=*/true);
  auto guest = h.connect("10.0.0.1");
  auto owner = h.connect("10.0.0.2");
  h.send(guest, "NICK g\r\nUSER g 0 * :G\r\nJOIN #lobby\r\nTABLE NEW #lobby tictactoe\r\n");
  h.send(owner, "NICK bo\r\nUSER b 0 * :B\r\nREGISTER bo * :correct horse battery\r\n");
  h.send(owner, "TABLE SIT &1\r\n");  // after the account exists: the seat is the account's
  EXPECT_TRUE(has(h.take_output(owner), "GAME &1 START :"));
  // base64 of "\0bo\0correct horse battery"
  h.send(guest, "AUTHENTICATE PLAIN\r\nAUTHENTICATE AGJvAGNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==\r\n");
  std::string out = h.take_output(guest);
  EXPECT_TRUE(has(out, " 903 g ")) << out;
  EXPECT_FALSE(has(out, "TABLE RESUMED")) << out;
  EXPECT_TRUE(h.closed(owner));  // one connection per account: the older one goes
  auto t = h.server().tables().find("&1");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->summary().seated, 2);
  EXPECT_EQ(t->summary().held, 1);  // bo's seat, held for bo
  h.hang_up(guest);
  // The guest's seat was given up (a running game: forfeit); only bo's hold
  // may keep the table, never a seat of a closed connection.
  for (const auto& left : h.server().tables().all()) {
    auto sum = left->summary();
    EXPECT_EQ(sum.held, sum.seated);
  }
}

}  // namespace
}  // namespace lobbyd::core
