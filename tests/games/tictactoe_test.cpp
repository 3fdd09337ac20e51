#include "games/tictactoe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "helpers.h"

namespace lobbyd::games {
namespace {

using test::dump;
using test::start;

TEST(TicTacToe, StartAndView) {
  std::unique_ptr<State> s = start(tictactoe());
  EXPECT_EQ(s->seats(), 2);
  EXPECT_EQ(s->to_move(), 0);
  EXPECT_EQ(s->legal_moves().size(), 9u);
  ASSERT_TRUE(test::play_all(*s, {"4", "a1"}));
  Json v = s->view(kSpectator);
  EXPECT_EQ(v["game"], "tictactoe");
  EXPECT_EQ(v["board"], Json::array({"1..", ".0.", "..."}));
  EXPECT_EQ(v["to_move"], 0);
  EXPECT_EQ(v["you"], nullptr);
  EXPECT_EQ(v["ply"], 2);
  EXPECT_EQ(v["last"]["move"], "0");  // a1 is logged as cell 0
  EXPECT_EQ(s->view(1)["you"], 1);
  EXPECT_EQ(v["legal"], Json::array({"1", "2", "3", "5", "6", "7", "8"}));
}

TEST(TicTacToe, CellNames) {
  std::unique_ptr<State> s = start(tictactoe());
  // c2 is column c, row 2: cell 5. Upper case is fine.
  Expected<std::string> r = s->play(0, "C2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "5");
  r = s->play(1, "b3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "7");
}

TEST(TicTacToe, BadAndIllegalMovesChangeNothing) {
  std::unique_ptr<State> s = start(tictactoe());
  ASSERT_TRUE(test::play_all(*s, {"4"}));
  const std::string before = dump(*s);
  for (std::string_view bad : {"9", "-1", "d1", "a4", "a", "44", "", "x y", "pass"}) {
    Expected<std::string> r = s->play(1, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Code::kBadSyntax) << bad;
  }
  Expected<std::string> r = s->play(1, "b2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kIllegalMove);
  EXPECT_EQ(r.error().reason, "cell 4 is taken");
  EXPECT_EQ(s->play(0, "0").error().code, Code::kNotYourTurn);
  EXPECT_EQ(dump(*s), before);
}

// Every one of the 8 lines wins, for either seat.
TEST(TicTacToe, EveryLineWins) {
  const int lines[8][3] = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6},
                           {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}};
  for (int winner = 0; winner < 2; ++winner) {
    for (const auto& line : lines) {
      std::vector<int> other;  // cells off the line, for the loser
      for (int c = 0; c < 9; ++c) {
        if (std::find(std::begin(line), std::end(line), c) == std::end(line)) other.push_back(c);
      }
      // The loser's three cells must not be a line themselves.
      auto is_line = [&](int a, int b, int c) {
        for (const auto& l : lines) {
          std::vector<int> v = {l[0], l[1], l[2]}, w = {a, b, c};
          std::sort(w.begin(), w.end());
          if (v == w) return true;
        }
        return false;
      };
      std::vector<int> loser = {other[0], other[1]};
      for (std::size_t i = 2; i < other.size(); ++i) {
        if (!is_line(other[0], other[1], other[i])) {
          loser.push_back(other[i]);
          break;
        }
      }
      ASSERT_EQ(loser.size(), 3u);
      std::unique_ptr<State> s = start(tictactoe());
      std::vector<int> seq;
      for (int i = 0; i < 3; ++i) {
        if (winner == 1) seq.push_back(loser[i]);
        seq.push_back(line[i]);
        if (winner == 0 && i < 2) seq.push_back(loser[i]);
      }
      for (std::size_t i = 0; i < seq.size(); ++i) {
        ASSERT_FALSE(s->result().over) << "line " << line[0] << line[1] << line[2];
        ASSERT_TRUE(s->play(s->to_move(), std::to_string(seq[i])).ok());
      }
      Result r = s->result();
      ASSERT_TRUE(r.over) << "line " << line[0] << line[1] << line[2];
      EXPECT_EQ(r.winner, winner);
      EXPECT_FALSE(r.draw);
      EXPECT_EQ(r.reason, "line");
      std::vector<int> scores = {0, 0};
      scores[winner] = 1;
      EXPECT_EQ(r.scores, scores);
      EXPECT_EQ(s->view(kSpectator)["line"], Json::array({line[0], line[1], line[2]}));
      EXPECT_EQ(s->to_move(), kNoSeat);
    }
  }
}

TEST(TicTacToe, FullBoardIsADraw) {
  std::unique_ptr<State> s = start(tictactoe());
  // X O X / X O O / O X X
  ASSERT_TRUE(test::play_all(*s, {"0", "1", "2", "4", "3", "5", "7", "6", "8"}));
  Result r = s->result();
  EXPECT_TRUE(r.over);
  EXPECT_TRUE(r.draw);
  EXPECT_EQ(r.winner, kNoSeat);
  EXPECT_EQ(r.reason, "board_full");
  EXPECT_EQ(r.scores, (std::vector<int>{0, 0}));
}

TEST(TicTacToe, WinOnTheLastCellIsAWin) {
  std::unique_ptr<State> s = start(tictactoe());
  // O X X / O O X / X O X: the ninth move (8) completes 2-5-8 on a full board.
  ASSERT_TRUE(test::play_all(*s, {"2", "0", "5", "3", "1", "4", "6", "7", "8"}));
  Result r = s->result();
  EXPECT_TRUE(r.over);
  EXPECT_FALSE(r.draw);
  EXPECT_EQ(r.winner, 0);
  EXPECT_EQ(r.reason, "line");
}

std::uint64_t complete_games(const State& s) {
  if (s.result().over) return 1;
  std::uint64_t n = 0;
  for (const std::string& m : s.legal_moves()) {
    std::unique_ptr<State> next = s.clone();
    EXPECT_TRUE(next->play(next->to_move(), m).ok());
    n += complete_games(*next);
  }
  return n;
}

TEST(TicTacToe, GameTreeHasTheKnownSize) {
  // Move sequences per ply; games end from ply 5 on (1440 wins at ply 5).
  std::unique_ptr<State> s = start(tictactoe());
  const std::uint64_t expected[] = {9, 72, 504, 3024, 15120, 54720, 148176, 200448, 127872};
  for (int depth = 1; depth <= 9; ++depth) {
    EXPECT_EQ(test::perft(*s, depth), expected[depth - 1]) << "depth " << depth;
  }
  EXPECT_EQ(complete_games(*s), 255168u);  // the well-known number of tic-tac-toe games
}

}  // namespace
}  // namespace lobbyd::games
