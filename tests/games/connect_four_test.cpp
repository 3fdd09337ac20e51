#include "games/connect_four.h"

#include <gtest/gtest.h>

#include <array>
#include <nlohmann/json.hpp>

#include "helpers.h"

namespace lobbyd::games {
namespace {

using test::dump;
using test::start;

// An independent, deliberately naive connect four: a full-board scan for
// four in a row after every move. Used as the oracle for perft.
struct Naive {
  std::array<std::array<int, 6>, 7> b{};  // [col][row], 0 empty, 1/2 seats
  std::array<int, 7> h{};
  bool won() const {
    for (int c = 0; c < 7; ++c) {
      for (int r = 0; r < 6; ++r) {
        const int v = b[c][r];
        if (v == 0) continue;
        const int d[4][2] = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
        for (const auto& dd : d) {
          int k = 1;
          while (k < 4) {
            const int x = c + dd[0] * k, y = r + dd[1] * k;
            if (x < 0 || x >= 7 || y < 0 || y >= 6 || b[x][y] != v) break;
            ++k;
          }
          if (k == 4) return true;
        }
      }
    }
    return false;
  }
  std::uint64_t perft(int depth, int who) {
    std::uint64_t n = 0;
    for (int c = 0; c < 7; ++c) {
      if (h[c] == 6) continue;
      if (depth == 1) {
        ++n;
        continue;
      }
      b[c][h[c]++] = who;
      if (!won()) n += perft(depth - 1, 3 - who);
      b[c][--h[c]] = 0;
    }
    return n;
  }
};

TEST(ConnectFour, PerftKnownCounts) {
  std::unique_ptr<State> s = start(connect_four());
  // No game can end before ply 7, and a column is full only after 6 discs:
  // 7^n until ply 6; at ply 7 the 7 lines that stacked one column 6 high
  // have 6 moves left (7^7 - 7).
  const std::uint64_t expected[] = {7, 49, 343, 2401, 16807, 117649, 823536};
  for (int depth = 1; depth <= 7; ++depth) {
    EXPECT_EQ(test::perft(*s, depth), expected[depth - 1]) << "depth " << depth;
  }
}

TEST(ConnectFour, PerftMatchesANaiveImplementationOnceGamesEnd) {
  // From ply 8 on, the first player's wins at ply 7 are leaves.
  std::unique_ptr<State> s = start(connect_four());
  Naive naive;
  const std::uint64_t n8 = naive.perft(8, 1);
  EXPECT_EQ(n8, 5673234u);  // the published perft(8)
  EXPECT_EQ(test::perft(*s, 8), n8);
}

Result after(std::initializer_list<std::string_view> moves) {
  std::unique_ptr<State> s = start(connect_four());
  EXPECT_TRUE(test::play_all(*s, moves));
  return s->result();
}

TEST(ConnectFour, Wins) {
  struct Case {
    const char* what;
    std::initializer_list<std::string_view> moves;
    int winner;
  };
  const Case cases[] = {
      {"vertical", {"1", "2", "1", "2", "1", "2", "1"}, 0},
      {"horizontal", {"1", "1", "2", "2", "3", "3", "4"}, 0},
      {"horizontal, the last disc in the middle", {"1", "1", "2", "2", "4", "4", "3"}, 0},
      {"diagonal up-right", {"1", "2", "2", "3", "3", "4", "3", "4", "4", "6", "4"}, 0},
      {"diagonal down-right", {"7", "6", "6", "5", "5", "4", "5", "4", "4", "2", "4"}, 0},
      {"vertical by seat 1", {"1", "2", "1", "2", "1", "2", "3", "2"}, 1},
  };
  for (const Case& c : cases) {
    Result r = after(c.moves);
    EXPECT_TRUE(r.over) << c.what;
    EXPECT_EQ(r.winner, c.winner) << c.what;
    EXPECT_FALSE(r.draw) << c.what;
    EXPECT_EQ(r.reason, "line") << c.what;
    std::vector<int> scores = {0, 0};
    scores[c.winner] = 1;
    EXPECT_EQ(r.scores, scores) << c.what;
  }
  // One disc short of each of those is no win yet.
  EXPECT_FALSE(after({"1", "2", "1", "2", "1", "2"}).over);
  EXPECT_FALSE(after({"1", "2", "2", "3", "3", "4", "3", "4", "4", "6"}).over);
}

TEST(ConnectFour, FullBoardIsADraw) {
  std::unique_ptr<State> s = start(connect_four());
  // A drawn game (every column full, no four in a row anywhere), found by a
  // seeded random search; the test checks it move by move.
  const std::string_view seq = "253135544567533124111753416273624224766767";
  ASSERT_EQ(seq.size(), 42u);
  std::vector<std::string> moves;
  for (char c : seq) moves.emplace_back(1, c);
  Naive naive;
  int who = 1;
  for (const std::string& m : moves) {
    const int c = m[0] - '1';
    naive.b[c][naive.h[c]++] = who;
    who = 3 - who;
  }
  EXPECT_FALSE(naive.won());
  for (std::size_t i = 0; i < moves.size(); ++i) {
    ASSERT_FALSE(s->result().over) << "ended early at move " << i;
    ASSERT_TRUE(s->play(s->to_move(), moves[i]).ok()) << i;
  }
  Result r = s->result();
  EXPECT_TRUE(r.over);
  EXPECT_TRUE(r.draw);
  EXPECT_EQ(r.winner, kNoSeat);
  EXPECT_EQ(r.reason, "board_full");
  Json v = s->view(kSpectator);
  for (const auto& row : v["board"]) EXPECT_EQ(row.get<std::string>().find('.'), std::string::npos);
}

TEST(ConnectFour, ErrorsChangeNothing) {
  std::unique_ptr<State> s = start(connect_four());
  ASSERT_TRUE(test::play_all(*s, {"3", "3", "3", "3", "3", "3"}));
  const std::string before = dump(*s);
  Expected<std::string> r = s->play(0, "3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kIllegalMove);
  EXPECT_EQ(r.error().reason, "column 3 is full");
  for (std::string_view bad : {"0", "8", "a", "10", "", "d3"}) {
    EXPECT_EQ(s->play(0, bad).error().code, Code::kBadSyntax) << bad;
  }
  EXPECT_EQ(s->play(1, "4").error().code, Code::kNotYourTurn);
  EXPECT_EQ(dump(*s), before);
  EXPECT_EQ(s->legal_moves(), (std::vector<std::string>{"1", "2", "4", "5", "6", "7"}));
}

TEST(ConnectFour, View) {
  std::unique_ptr<State> s = start(connect_four());
  ASSERT_TRUE(test::play_all(*s, {"4", "4", "5"}));
  Json v = s->view(1);
  EXPECT_EQ(v["game"], "connect4");
  EXPECT_EQ(v["you"], 1);
  EXPECT_EQ(v["to_move"], 1);
  EXPECT_EQ(v["board"],
            Json::array({".......", ".......", ".......", ".......", "...1...", "...00.."}));
  EXPECT_EQ(v["last"]["seat"], 0);
  EXPECT_EQ(v["last"]["move"], "5");
}

}  // namespace
}  // namespace lobbyd::games
