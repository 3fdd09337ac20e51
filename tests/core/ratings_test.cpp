// Elo ratings: the 2-player figures every Elo table shows, pairwise
// multi-player games, guests unrated, and nothing rated before the book
// was read from the database.
#include <gtest/gtest.h>

#include <numeric>

#include "core/ratings.h"

namespace lobbyd::core {
namespace {

games::Result win(int seat) {
  games::Result r;
  r.over = true;
  r.winner = seat;
  return r;
}

TEST(Ratings, EqualPlayersMoveSixteenPoints) {
  RatingBook book;
  book.mark_loaded();
  std::vector<store::RatingRow> writes;
  auto d = book.apply("tictactoe", {"ann", "ben"}, win(0), writes);
  ASSERT_TRUE(d[0] && d[1]);
  EXPECT_EQ(*d[0], 16);
  EXPECT_EQ(*d[1], -16);
  ASSERT_EQ(writes.size(), 2u);  // one row per account, absolute figures
  EXPECT_EQ(writes[0].account, "ann");
  EXPECT_EQ(writes[0].game, "tictactoe");
  EXPECT_EQ(writes[0].rating, 1516);
  EXPECT_EQ(writes[0].games, 1);
  EXPECT_EQ(writes[0].wins, 1);
  EXPECT_EQ(writes[1].account, "ben");
  EXPECT_EQ(writes[1].rating, 1484);
  EXPECT_EQ(writes[1].losses, 1);
  auto top = book.top("tictactoe", 10);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].account, "ann");
  EXPECT_EQ(top[0].rating, 1516);
  EXPECT_EQ(top[0].wins, 1);
  EXPECT_EQ(top[1].losses, 1);
}

TEST(Ratings, AnUpsetMovesMoreThanAnExpectedWin) {
  RatingBook book;
  book.load({store::RatingRow{"pro", "connect4", 1900, 50}, store::RatingRow{"new", "connect4", 1500, 1}});
  std::vector<store::RatingRow> w;
  auto expected = book.apply("connect4", {"pro", "new"}, win(0), w);
  EXPECT_EQ(*expected[0], 3);  // 32 * (1 - 0.909)
  auto upset = book.apply("connect4", {"pro", "new"}, win(1), w);
  EXPECT_EQ(*upset[1], 29);
  games::Result draw;
  draw.over = true;
  draw.draw = true;
  auto d = book.apply("connect4", {"pro", "new"}, draw, w);
  EXPECT_LT(*d[0], 0);  // a draw against a weaker player costs the stronger
  EXPECT_GT(*d[1], 0);
}

TEST(Ratings, FourPlayersArePairwiseAndZeroSum) {
  RatingBook book;
  book.mark_loaded();
  std::vector<store::RatingRow> w;
  auto d = book.apply("crazyeights", {"a", "b", "c", "d"}, win(2), w);
  int sum = 0;
  for (auto& x : d) sum += *x;
  EXPECT_LE(std::abs(sum), 2);  // rounding only
  EXPECT_EQ(*d[2], 16);         // beats three equals: 3 * 32/3 * 0.5
  EXPECT_EQ(*d[0], -5);         // loses to one, draws with two
}

TEST(Ratings, GuestsAndAnUnreadBookAreUnrated) {
  RatingBook book;
  std::vector<store::RatingRow> w;
  auto before = book.apply("tictactoe", {"ann", "ben"}, win(0), w);
  EXPECT_FALSE(before[0] || before[1]);  // the database's figures were not read
  book.mark_loaded();
  auto guest = book.apply("tictactoe", {"ann", ""}, win(0), w);
  EXPECT_FALSE(guest[0] || guest[1]);
  auto same = book.apply("tictactoe", {"ann", "ann"}, win(0), w);
  EXPECT_FALSE(same[0] || same[1]);
  EXPECT_TRUE(w.empty());
  EXPECT_TRUE(book.top("tictactoe", 5).empty());
}

}  // namespace
}  // namespace lobbyd::core
