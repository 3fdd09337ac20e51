// Properties every game must have, checked over seeded random games of each:
// a state is a deterministic fold over its log (replay equals the live state),
// listed moves are accepted, refused moves change nothing, views are sound.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/utf8.h"
#include "games/registry.h"
#include "helpers.h"

namespace lobbyd::games {
namespace {

using test::dump;
using test::start;

struct Param {
  const Game* game;
  int seats;
};

std::string param_name(const testing::TestParamInfo<Param>& info) {
  return std::string(info.param.game->name()) + "_" + std::to_string(info.param.seats);
}

std::vector<Param> all_params() {
  std::vector<Param> params;
  for (const Game* g : all_games()) {
    for (int seats = g->min_seats(); seats <= g->max_seats(); ++seats) {
      params.push_back({g, seats});
    }
  }
  return params;
}

class EveryGame : public testing::TestWithParam<Param> {
 protected:
  const Game& game() const { return *GetParam().game; }
  int seats() const { return GetParam().seats; }
};

TEST_P(EveryGame, ReplayEqualsLiveState) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    std::unique_ptr<State> live = start(game(), seed, {}, seats());
    std::vector<LoggedMove> log = test::random_game(*live, seed * 7919);
    ASSERT_TRUE(live->result().over || log.size() == 2000u);
    // The whole game, and every prefix of it.
    for (std::size_t n = 0; n <= log.size(); n += 1 + log.size() / 7) {
      Expected<std::unique_ptr<State>> r =
          replay(game(), seed, {}, seats(), std::span(log).first(n));
      ASSERT_TRUE(r.ok()) << r.error().reason;
      EXPECT_EQ(r.value()->ply(), static_cast<int>(n));
    }
    Expected<std::unique_ptr<State>> r = replay(game(), seed, {}, seats(), log);
    ASSERT_TRUE(r.ok()) << r.error().reason;
    EXPECT_EQ(dump(*r.value()), dump(*live));
    for (int seat = kSpectator; seat < seats(); ++seat) {
      EXPECT_EQ(r.value()->view(seat).dump(), live->view(seat).dump());
    }
    EXPECT_EQ(to_json(r.value()->result()).dump(), to_json(live->result()).dump());
  }
}

TEST_P(EveryGame, SameSeedSameMovesSameState) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    std::unique_ptr<State> a = start(game(), seed, {}, seats());
    std::unique_ptr<State> b = start(game(), seed, {}, seats());
    test::random_game(*a, seed + 100);
    test::random_game(*b, seed + 100);
    EXPECT_EQ(dump(*a), dump(*b));
  }
}

TEST_P(EveryGame, RefusedMovesChangeNothing) {
  std::unique_ptr<State> s = start(game(), 3, {}, seats());
  Rng bot(3);
  for (int step = 0; step < 60 && !s->result().over; ++step) {
    const std::string before = dump(*s);
    const int ply = s->ply();
    const int mover = s->to_move();
    const std::vector<std::string> moves = s->legal_moves();
    ASSERT_FALSE(moves.empty());
    for (std::string_view junk : {"", "xyzzy", "99", "play", "a9", "play 8X", "timeout"}) {
      Expected<std::string> r = s->play(mover, junk);
      EXPECT_FALSE(r.ok()) << junk;
      if (!r.ok()) {
        EXPECT_TRUE(r.error().code == Code::kBadSyntax || r.error().code == Code::kIllegalMove)
            << junk << ": " << code_name(r.error().code);
        EXPECT_FALSE(r.error().reason.empty());
        EXPECT_EQ(r.error().reason.find_first_of("\r\n"), std::string::npos);
      }
    }
    for (int other = 0; other < seats(); ++other) {
      if (other == mover) continue;
      Expected<std::string> r = s->play(other, moves.front());
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, Code::kNotYourTurn);
    }
    EXPECT_EQ(s->play(seats(), moves.front()).error().code, Code::kNotSeated);
    EXPECT_EQ(dump(*s), before);
    EXPECT_EQ(s->ply(), ply);
    ASSERT_TRUE(s->play(mover, moves[bot.below(moves.size())]).ok());
  }
}

// Found by fuzz/fuzz_games: a reason quoted the player's text as sent, so a
// move with CR/LF in it (e.g. "\r\r\r\rdra1") gave a reason of two lines, and a
// long UTF-8 move was cut inside a character.
TEST_P(EveryGame, RefusedReasonsAreOnePrintableUtf8Line) {
  std::unique_ptr<State> s = start(game(), 3, {}, seats());
  std::string long_utf8 = "x";
  for (int i = 0; i < 20; ++i) long_utf8 += "\xc3\xa9";  // é, so byte 32 is inside one
  for (std::string_view junk : {std::string_view("\r\r\r\rdra1"), std::string_view("a\nb"),
                                std::string_view("play \r8H"), std::string_view("\x00x", 2),
                                std::string_view("\x7f"), std::string_view(long_utf8)}) {
    Expected<std::string> r = s->play(s->to_move(), junk);
    ASSERT_FALSE(r.ok());
    for (char c : r.error().reason) {
      EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) << r.error().reason;
    }
    EXPECT_TRUE(base::valid_utf8(r.error().reason)) << r.error().reason;
  }
}

TEST_P(EveryGame, ListedMovesAreAcceptedAndCanonical) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    std::unique_ptr<State> s = start(game(), seed, {}, seats());
    Rng bot(seed);
    for (int step = 0; step < 200 && !s->result().over; ++step) {
      const std::vector<std::string> moves = s->legal_moves();
      for (const std::string& m : moves) {
        std::unique_ptr<State> c = s->clone();
        Expected<std::string> r = c->play(c->to_move(), m);
        ASSERT_TRUE(r.ok()) << m << ": " << r.error().reason;
        EXPECT_EQ(r.value(), m);  // listed moves are in canonical form
      }
      ASSERT_TRUE(s->play(s->to_move(), moves[bot.below(moves.size())]).ok());
    }
  }
}

TEST_P(EveryGame, ViewsCarryTheCommonFields) {
  std::unique_ptr<State> s = start(game(), 1, {}, seats());
  test::random_game(*s, 1, 5);
  for (int seat = kSpectator; seat < seats(); ++seat) {
    Json v = s->view(seat);
    EXPECT_EQ(v["game"], game().name());
    EXPECT_EQ(v["seats"], seats());
    EXPECT_EQ(v["you"], seat == kSpectator ? Json(nullptr) : Json(seat));
    EXPECT_EQ(v["ply"], s->ply());
    EXPECT_EQ(v["to_move"], s->to_move() == kNoSeat ? Json(nullptr) : Json(s->to_move()));
    EXPECT_TRUE(v.contains("last"));
    EXPECT_EQ(v["result"], to_json(s->result()));
  }
  EXPECT_EQ(s->view(seats())["you"], nullptr);  // out of range: the public view
}

TEST_P(EveryGame, ResignEndsOrRemovesTheSeat) {
  std::unique_ptr<State> s = start(game(), 1, {}, seats());
  const int quitter = seats() - 1;  // not the seat to move
  ASSERT_TRUE(s->play(quitter, "resign").ok());
  if (seats() == 2) {
    Result r = s->result();
    EXPECT_TRUE(r.over);
    EXPECT_EQ(r.winner, 0);
    EXPECT_EQ(r.reason, "resign");
  } else {
    EXPECT_FALSE(s->result().over);
    for (int seat = 0; seat < seats() - 1; ++seat) {
      if (s->result().over) break;
      ASSERT_TRUE(s->forfeit(seat, Forfeit::kTimeout).ok());
    }
    EXPECT_TRUE(s->result().over);
    EXPECT_EQ(s->result().winner, seats() - 2);
  }
  EXPECT_EQ(s->to_move(), kNoSeat);
  EXPECT_TRUE(s->legal_moves().empty());
}

INSTANTIATE_TEST_SUITE_P(Games, EveryGame, testing::ValuesIn(all_params()), param_name);

}  // namespace
}  // namespace lobbyd::games
