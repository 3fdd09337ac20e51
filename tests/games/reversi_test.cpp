#include "games/reversi.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.h"

namespace lobbyd::games {
namespace {

using test::dump;
using test::start;

TEST(Reversi, StartPosition) {
  std::unique_ptr<State> s = start(reversi());
  Json v = s->view(kSpectator);
  EXPECT_EQ(v["board"], Json::array({"........", "........", "........", "...10...", "...01...",
                                     "........", "........", "........"}));
  EXPECT_EQ(v["discs"], Json::array({2, 2}));
  EXPECT_EQ(v["to_move"], 0);
  EXPECT_EQ(v["passed"], nullptr);
  EXPECT_EQ(s->legal_moves(), (std::vector<std::string>{"d3", "c4", "f5", "e6"}));
  EXPECT_EQ(s->result().scores, (std::vector<int>{2, 2}));
}

TEST(Reversi, PerftKnownCounts) {
  // The published Othello perft counts; no pass and no game end happens
  // before ply 9, so automatic passing does not change them.
  std::unique_ptr<State> s = start(reversi());
  const std::uint64_t expected[] = {4, 12, 56, 244, 1396, 8200, 55092, 390216};
  for (int depth = 1; depth <= 8; ++depth) {
    EXPECT_EQ(test::perft(*s, depth), expected[depth - 1]) << "depth " << depth;
  }
}

TEST(Reversi, MovesFlipAndAreCanonical) {
  std::unique_ptr<State> s = start(reversi());
  Expected<std::string> r = s->play(0, "D3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "d3");
  Json v = s->view(0);
  EXPECT_EQ(v["board"][2], "...0....");
  EXPECT_EQ(v["board"][3], "...00...");
  EXPECT_EQ(v["discs"], Json::array({4, 1}));
  EXPECT_EQ(v["to_move"], 1);
  EXPECT_EQ(s->legal_moves(), (std::vector<std::string>{"c3", "e3", "c5"}));
}

TEST(Reversi, ErrorsChangeNothing) {
  std::unique_ptr<State> s = start(reversi());
  const std::string before = dump(*s);
  auto code = [&](std::string_view m) { return s->play(0, m).error().code; };
  EXPECT_EQ(code("d4"), Code::kIllegalMove);  // taken
  EXPECT_EQ(s->play(0, "d4").error().reason, "d4 is taken");
  EXPECT_EQ(code("a1"), Code::kIllegalMove);  // flips nothing
  EXPECT_EQ(s->play(0, "a1").error().reason, "a1 flips no disc");
  EXPECT_EQ(code("pass"), Code::kIllegalMove);  // passing is automatic
  for (std::string_view bad : {"i1", "a9", "a0", "d", "d33", "33", "", "play d3"}) {
    EXPECT_EQ(code(bad), Code::kBadSyntax) << bad;
  }
  EXPECT_EQ(s->play(1, "c5").error().code, Code::kNotYourTurn);
  EXPECT_EQ(dump(*s), before);
}

TEST(Reversi, EndsWhenNeitherSeatCanMove) {
  // A nine-move game: black takes every white disc; 51 squares stay empty.
  std::unique_ptr<State> s = start(reversi());
  ASSERT_TRUE(test::play_all(*s, {"d3", "c3", "b3", "d2", "e1", "d6", "d7", "e3"}));
  EXPECT_FALSE(s->result().over);
  ASSERT_TRUE(test::play_all(*s, {"f4"}));
  Result r = s->result();
  EXPECT_TRUE(r.over);
  EXPECT_EQ(r.reason, "no_moves");
  EXPECT_EQ(r.winner, 0);
  EXPECT_FALSE(r.draw);
  EXPECT_EQ(r.scores, (std::vector<int>{13, 0}));
  EXPECT_EQ(s->to_move(), kNoSeat);
  EXPECT_TRUE(s->legal_moves().empty());
  Json v = s->view(1);
  EXPECT_EQ(v["board"], Json::array({"....0...", "...0....", ".0000...", "...000..", "...00...",
                                     "...0....", "...0....", "........"}));
  EXPECT_EQ(v["result"]["winner"], 0);
  EXPECT_EQ(v["result"]["scores"], Json::array({13, 0}));
  EXPECT_EQ(s->play(1, "a1").error().code, Code::kGameOver);
}

// Random games: each ends with a full board or with nobody able to move; the
// result follows the disc count; every automatic pass leaves the turn with
// the seat that just moved.
TEST(Reversi, RandomGamesEndByDiscCount) {
  int full = 0, passes = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::unique_ptr<State> s = start(reversi());
    Rng bot(seed);
    while (!s->result().over) {
      const std::vector<std::string> moves = s->legal_moves();
      ASSERT_FALSE(moves.empty());
      const int seat = s->to_move();
      ASSERT_TRUE(s->play(seat, moves[bot.below(moves.size())]).ok());
      Json v = s->view(kSpectator);
      if (!v["passed"].is_null()) {
        ++passes;
        EXPECT_EQ(v["passed"], 1 - seat);
        EXPECT_EQ(s->to_move(), seat);
      }
    }
    Result r = s->result();
    Json v = s->view(kSpectator);
    const int d0 = v["discs"][0], d1 = v["discs"][1];
    EXPECT_EQ(r.scores, (std::vector<int>{d0, d1}));
    if (r.reason == "board_full") {
      ++full;
      EXPECT_EQ(d0 + d1, 64);
    } else {
      EXPECT_EQ(r.reason, "no_moves");
      EXPECT_LT(d0 + d1, 64);
    }
    if (d0 == d1) {
      EXPECT_TRUE(r.draw);
      EXPECT_EQ(r.winner, kNoSeat);
    } else {
      EXPECT_FALSE(r.draw);
      EXPECT_EQ(r.winner, d0 > d1 ? 0 : 1);
    }
  }
  EXPECT_GT(full, 20);   // most games fill the board
  EXPECT_GT(passes, 0);  // and some pass on the way
}

TEST(Reversi, TimeoutLosesWhateverTheDiscs) {
  std::unique_ptr<State> s = start(reversi());
  ASSERT_TRUE(test::play_all(*s, {"d3"}));
  ASSERT_TRUE(s->forfeit(0, Forfeit::kTimeout).ok());
  Result r = s->result();
  EXPECT_EQ(r.winner, 1);
  EXPECT_EQ(r.reason, "timeout");
  EXPECT_EQ(r.scores, (std::vector<int>{4, 1}));
}

}  // namespace
}  // namespace lobbyd::games
