// TableFlow without a server: commands, their refusals and the events they
// emit, with time and settings passed in.
#include "core/table_flow.h"

#include <gtest/gtest.h>

#include "games/registry.h"

namespace lobbyd::core {
namespace {

constexpr MemberId kAda = 1, kBob = 2, kCid = 3;

TableFlow::Env at(std::int64_t now_ms) {
  TableFlow::Env e;
  e.now_ms = now_ms;
  e.turn_timeout_s = 60;
  e.resume_grace_s = 30;
  e.seed = 42;
  return e;
}

games::TableSetup setup(const games::Game& g, std::vector<std::string_view> args = {}) {
  auto s = games::parse_setup(g, args);
  EXPECT_TRUE(s.ok());
  return s.value();
}

const games::Game& ttt() { return *games::find_game("tictactoe"); }

void expect_refused(const Refusal& r, std::string_view code) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code_name(), code);
}

template <class E>
int count(const Events& ev) {
  int n = 0;
  for (const auto& e : ev) n += std::holds_alternative<E>(e);
  return n;
}
template <class E>
const E* first(const Events& ev) {
  for (const auto& e : ev)
    if (auto* p = std::get_if<E>(&e)) return p;
  return nullptr;
}

// Ada (the creator, "acct-a") and Bob ("acct-b") sit at tic-tac-toe: the
// round starts at t = 1000 ms; Ada (seat 0) is to move.
struct TableFlowPlaying : ::testing::Test {
  TableFlow flow{"&7", ttt(), setup(ttt()), kAda};
  Events ev;
  void SetUp() override {
    ASSERT_FALSE(flow.sit(kAda, "ada", "acct-a", at(1000), ev));
    ASSERT_FALSE(flow.sit(kBob, "bob", "acct-b", at(1000), ev));
    ASSERT_EQ(flow.phase(), TableFlow::Phase::kPlaying);
    ev.clear();
  }
};

TEST(TableFlowSeats, SitStandAndTheirRefusals) {
  TableFlow flow("&7", ttt(), setup(ttt()), kAda);
  Events ev;
  EXPECT_FALSE(flow.sit(kAda, "ada", "", at(0), ev));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<ev::Seated>(ev[0]).nick, "ada");
  EXPECT_EQ(std::get<ev::Seated>(ev[0]).seat, 0);
  expect_refused(flow.sit(kAda, "ada", "", at(0), ev), "ALREADY_SEATED");
  auto not_seated = flow.stand(kBob, ev);
  ASSERT_TRUE(not_seated);
  EXPECT_EQ(not_seated->code_name(), "NOT_SEATED");
  EXPECT_EQ(not_seated->reason, "you are not seated at &7");
  ev.clear();
  EXPECT_FALSE(flow.stand(kAda, ev));
  EXPECT_EQ(std::get<ev::Stood>(ev.at(0)).nick, "ada");
  EXPECT_EQ(flow.seated(), 0);
  flow.close(ev);
  expect_refused(flow.sit(kAda, "ada", "", at(0), ev), "NO_SUCH_TABLE");
}

TEST(TableFlowSeats, FullTableAndRunningGame) {
  const games::Game& c8 = *games::find_game("crazyeights");
  TableFlow flow("&1", c8, setup(c8, {"seats=2"}), kAda);
  Events ev;
  EXPECT_FALSE(flow.sit(kAda, "ada", "", at(0), ev));
  EXPECT_FALSE(flow.sit(kBob, "bob", "", at(0), ev));  // full: starts
  auto full = flow.sit(kCid, "cid", "", at(0), ev);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->code_name(), "TABLE_FULL");
  EXPECT_EQ(full->reason, "all 2 seats are taken");
  expect_refused(flow.stand(kAda, ev), "GAME_STARTED");
}

TEST(TableFlowStart, CreatorStartsWithTheSeatsTaken) {
  const games::Game& c8 = *games::find_game("crazyeights");
  TableFlow flow("&1", c8, setup(c8, {"seats=4"}), kAda);
  Events ev;
  EXPECT_FALSE(flow.sit(kAda, "ada", "", at(0), ev));
  expect_refused(flow.start(kAda, at(0), ev), "NOT_ENOUGH_PLAYERS");
  EXPECT_FALSE(flow.sit(kBob, "bob", "", at(0), ev));
  expect_refused(flow.start(kBob, at(0), ev), "NOT_CREATOR");
  ev.clear();
  EXPECT_FALSE(flow.start(kAda, at(5000), ev));
  EXPECT_EQ(flow.seats().size(), 2u);  // the free seats went
  EXPECT_EQ(flow.round(), 1);
  EXPECT_EQ(flow.seed(), 42u);
  EXPECT_EQ(flow.started_at(), 5);
  ASSERT_GE(ev.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<ev::Started>(ev[0]));
  EXPECT_TRUE(std::holds_alternative<ev::PersistRound>(ev[1]));
  EXPECT_TRUE(std::holds_alternative<ev::States>(ev[2]));
  EXPECT_EQ(std::get<ev::Turn>(ev[3]).deadline_ms, 5000 + 60 * 1000);
  expect_refused(flow.start(kAda, at(0), ev), "GAME_STARTED");
}

TEST(TableFlowStart, RestoredTableHasNoCreator) {
  TableFlow flow("&1", ttt(), setup(ttt()), kNoMember);
  Events ev;
  expect_refused(flow.start(kAda, at(0), ev), "NOT_CREATOR");
}

TEST_F(TableFlowPlaying, MovesRefusalsAndAWin) {
  expect_refused(flow.move(kBob, "bob", "4", at(2000), ev), "NOT_YOUR_TURN");
  expect_refused(flow.move(kAda, "ada", "z9", at(2000), ev), "BAD_SYNTAX");
  expect_refused(flow.move(kCid, "cid", "4", at(2000), ev), "NOT_SEATED");
  EXPECT_TRUE(ev.empty());  // refusals change nothing

  EXPECT_FALSE(flow.move(kAda, "ada", "0", at(2000), ev));
  auto* logged = first<ev::PersistMove>(ev);
  ASSERT_TRUE(logged);
  EXPECT_EQ(logged->ply, 1);
  EXPECT_EQ(logged->text, "0");
  EXPECT_FALSE(logged->durable);
  EXPECT_EQ(first<ev::Turn>(ev)->seat, 1);
  EXPECT_EQ(first<ev::Turn>(ev)->deadline_ms, 62000);
  expect_refused(flow.move(kBob, "bob", "0", at(3000), ev), "ILLEGAL_MOVE");
  for (auto [m, cell] : {std::pair{kBob, "3"}, {kAda, "1"}, {kBob, "4"}}) {
    EXPECT_FALSE(flow.move(m, m == kAda ? "ada" : "bob", cell, at(3000), ev));
  }
  ev.clear();
  EXPECT_FALSE(flow.move(kAda, "ada", "2", at(4000), ev));  // 0 1 2: a line
  EXPECT_EQ(flow.phase(), TableFlow::Phase::kOver);
  auto* over = first<ev::Over>(ev);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->result.winner, 0);
  EXPECT_EQ(over->nicks, (std::vector<std::string>{"ada", "bob"}));
  EXPECT_EQ(over->accounts, (std::vector<std::string>{"acct-a", "acct-b"}));
  EXPECT_EQ(count<ev::CancelTurn>(ev), 1);
  EXPECT_EQ(count<ev::Turn>(ev), 0);
  EXPECT_EQ(flow.moves().size(), 5u);
  expect_refused(flow.move(kBob, "bob", "5", at(4000), ev), "GAME_OVER");
}

TEST_F(TableFlowPlaying, ResignEndsTheGame) {
  EXPECT_FALSE(flow.resign(kBob, at(2000), ev));  // out of turn is fine
  auto* over = first<ev::Over>(ev);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->result.winner, 0);
  EXPECT_EQ(over->result.reason, "resign");
  EXPECT_EQ(first<ev::PersistMove>(ev)->text, "resign");
}

TEST_F(TableFlowPlaying, TurnTimeoutForfeits) {
  flow.turn_timed_out(at(61000), ev);
  EXPECT_EQ(first<ev::TimedOut>(ev)->nick, "ada");
  EXPECT_EQ(first<ev::PersistMove>(ev)->text, "timeout");
  ASSERT_TRUE(first<ev::Over>(ev));
  EXPECT_EQ(first<ev::Over>(ev)->result.reason, "timeout");
  ev.clear();
  flow.turn_timed_out(at(62000), ev);  // over: nothing more
  EXPECT_TRUE(ev.empty());
}

TEST_F(TableFlowPlaying, DurableMoveIsAnnouncedOnceCommitted) {
  auto env = at(2000);
  env.durable_moves = true;
  EXPECT_FALSE(flow.move(kAda, "ada", "4", env, ev));
  ASSERT_TRUE(first<ev::PersistMove>(ev));
  EXPECT_TRUE(first<ev::PersistMove>(ev)->durable);
  EXPECT_EQ(count<ev::CancelTurn>(ev), 1);
  EXPECT_EQ(count<ev::States>(ev) + count<ev::Turn>(ev), 0);
  ev.clear();
  flow.move_committed(at(2500), ev);
  EXPECT_EQ(count<ev::States>(ev), 1);
  EXPECT_EQ(first<ev::Turn>(ev)->deadline_ms, 2500 + 60000);
}

TEST_F(TableFlowPlaying, LeavingForfeitsAndTheLastOneClosesTheTable) {
  EXPECT_TRUE(flow.left(kBob, 1, false, at(2000), ev));
  ASSERT_TRUE(first<ev::Over>(ev));
  EXPECT_EQ(first<ev::Over>(ev)->result.winner, 0);
  EXPECT_EQ(flow.seats()[1].nick, "");  // freed after the result
  ev.clear();
  EXPECT_FALSE(flow.left(kAda, 0, false, at(2000), ev));
  EXPECT_EQ(count<ev::Closed>(ev), 1);
  EXPECT_TRUE(flow.closed());
}

TEST(TableFlowSeats, LeavingBeforeTheStartGivesTheSeatUp) {
  TableFlow flow("&7", ttt(), setup(ttt()), kAda);
  Events ev;
  EXPECT_FALSE(flow.sit(kAda, "ada", "", at(0), ev));
  ev.clear();
  EXPECT_TRUE(flow.left(kAda, 1, true, at(0), ev));
  EXPECT_EQ(std::get<ev::Stood>(ev.at(0)).nick, "ada");
  EXPECT_EQ(flow.seated(), 0);
}

TEST_F(TableFlowPlaying, HoldResumeAndGraceExpiry) {
  // Bob disconnects: his seat is held for 30 s, recording first.
  EXPECT_TRUE(flow.left(kBob, 1, true, at(2000), ev));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(std::get<ev::RecordMissed>(ev[0]).seat, 1);
  EXPECT_EQ(std::get<ev::Away>(ev[1]).until_ms, 32000);
  EXPECT_EQ(std::get<ev::ArmGrace>(ev[2]).first_ms, 32000);
  EXPECT_TRUE(flow.holds_seat_for("acct-b"));
  EXPECT_EQ(flow.held(), 1);
  // Ada leaves too: the held seat keeps the table.
  ev.clear();
  EXPECT_TRUE(flow.left(kAda, 0, true, at(2000), ev));
  EXPECT_EQ(flow.held(), 2);
  // Bob comes back on another connection; ada's seat is still held.
  ev.clear();
  EXPECT_EQ(flow.resume(kCid, "bob", "acct-b", ev), 1);
  EXPECT_EQ(flow.seats()[1].nick, "bob");
  EXPECT_EQ(std::get<ev::ArmGrace>(ev.back()).first_ms, 32000);  // ada's
  EXPECT_EQ(flow.resume(kCid, "bob", "acct-a", ev), -1);  // one seat per connection
  // Ada's grace ends: her seat is gone and forfeits.
  ev.clear();
  flow.grace_expired(at(31996), ev);  // a hair early counts
  EXPECT_EQ(std::get<ev::DropMissed>(ev.at(0)).seat, 0);
  EXPECT_EQ(std::get<ev::Gone>(ev.at(1)).nick, "ada");
  EXPECT_EQ(first<ev::PersistMove>(ev)->text, "timeout");
  ASSERT_TRUE(first<ev::Over>(ev));
  EXPECT_EQ(first<ev::Over>(ev)->result.winner, 1);
  EXPECT_EQ(count<ev::ClearMissed>(ev), 1);
}

TEST_F(TableFlowPlaying, ShutdownHoldsSilently) {
  auto env = at(2000);
  env.shutting_down = true;
  EXPECT_TRUE(flow.left(kBob, 1, true, env, ev));
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(flow.held(), 1);
}

TEST_F(TableFlowPlaying, GuestDisconnectForfeits) {
  TableFlow guests("&8", ttt(), setup(ttt()), kAda);
  Events ev2;
  ASSERT_FALSE(guests.sit(kAda, "ada", "", at(0), ev2));
  ASSERT_FALSE(guests.sit(kBob, "bob", "", at(0), ev2));
  ev2.clear();
  EXPECT_TRUE(guests.left(kBob, 1, true, at(0), ev2));
  EXPECT_EQ(count<ev::Away>(ev2), 0);
  EXPECT_TRUE(first<ev::Over>(ev2));
}

TEST_F(TableFlowPlaying, Rematch) {
  expect_refused(flow.rematch(kAda, "ada", at(2000), ev), "GAME_NOT_OVER");
  ASSERT_FALSE(flow.resign(kAda, at(2000), ev));
  ev.clear();
  EXPECT_FALSE(flow.rematch(kAda, "ada", at(3000), ev));
  EXPECT_EQ(std::get<ev::Rematch>(ev.at(0)).nick, "ada");
  EXPECT_FALSE(flow.rematch(kAda, "ada", at(3000), ev));  // asked already: nothing new
  EXPECT_EQ(ev.size(), 1u);
  auto env = at(4000);
  env.seed = 7;
  EXPECT_FALSE(flow.rematch(kBob, "bob", env, ev));
  EXPECT_EQ(flow.phase(), TableFlow::Phase::kPlaying);
  EXPECT_EQ(flow.round(), 2);
  EXPECT_EQ(flow.seed(), 7u);
  EXPECT_TRUE(flow.moves().empty());
  EXPECT_EQ(count<ev::Started>(ev), 1);
}

TEST(TableFlowRestore, ReplaysAndHoldsEverySeat) {
  TableFlow flow("&9", ttt(), setup(ttt()), kNoMember);
  TableFlow::Saved saved{5, 3, 100, {{"ada", "acct-a"}, {"bob", "acct-b"}}, {{0, "4"}, {1, "0"}}};
  Events ev;
  EXPECT_EQ(flow.restore(saved, at(10000), ev), "");
  EXPECT_EQ(flow.phase(), TableFlow::Phase::kPlaying);
  EXPECT_EQ(flow.round(), 3);
  EXPECT_EQ(flow.state()->ply(), 2);
  EXPECT_EQ(flow.held(), 2);
  EXPECT_EQ(count<ev::RecordMissed>(ev), 2);
  EXPECT_EQ(count<ev::PersistMove>(ev), 0);  // replayed moves are in the log already
  EXPECT_EQ(first<ev::Turn>(ev)->seat, 0);
  EXPECT_EQ(first<ev::ArmGrace>(ev)->first_ms, 40000);
  EXPECT_EQ(flow.resume(kBob, "bob", "acct-b", ev), 1);
}

TEST(TableFlowRestore, GuestsForfeitAndABadLogIsRefused) {
  TableFlow flow("&9", ttt(), setup(ttt()), kNoMember);
  TableFlow::Saved saved{5, 1, 100, {{"ada", "acct-a"}, {"guest", ""}}, {{0, "4"}}};
  Events ev;
  EXPECT_EQ(flow.restore(saved, at(0), ev), "");
  EXPECT_EQ(first<ev::PersistMove>(ev)->seat, 1);
  EXPECT_EQ(first<ev::PersistMove>(ev)->text, "timeout");
  ASSERT_TRUE(first<ev::Over>(ev));
  EXPECT_EQ(flow.phase(), TableFlow::Phase::kOver);
  Events out;
  EXPECT_TRUE(flow.close_if_done(0, out));  // nobody is held any more

  TableFlow bad("&10", ttt(), setup(ttt()), kNoMember);
  TableFlow::Saved broken{5, 1, 100, {{"ada", "a"}, {"bob", "b"}}, {{0, "4"}, {1, "4"}}};
  Events none;
  EXPECT_NE(bad.restore(broken, at(0), none).find("move 2 (4)"), std::string::npos);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace lobbyd::core
