#include "games/crazy_eights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "helpers.h"

namespace lobbyd::games {
namespace {

using test::dump;
using test::start;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> strings(const Json& a) { return a.get<std::vector<std::string>>(); }

std::vector<std::string> hand(const State& s, int seat) {
  return strings(s.snapshot()["hands"][seat]);
}

// All 52 cards, each once, across hands, draw pile and discards.
void expect_whole_deck(const State& s) {
  Json snap = s.snapshot();
  std::multiset<std::string> cards;
  for (const auto& h : snap["hands"]) {
    for (const auto& c : h) cards.insert(c.get<std::string>());
  }
  for (const auto& c : snap["stock"]) cards.insert(c.get<std::string>());
  for (const auto& c : snap["discards"]) cards.insert(c.get<std::string>());
  ASSERT_EQ(cards.size(), 52u);
  EXPECT_EQ(std::set<std::string>(cards.begin(), cards.end()).size(), 52u);
}

// No card of a seat's hand appears in another seat's view or the public
// view, while it does appear in the seat's own view.
void expect_hands_hidden(const State& s) {
  std::vector<std::string> texts;
  for (int b = 0; b < s.seats(); ++b) texts.push_back(s.view(b).dump());
  const std::string pub = s.view(kSpectator).dump();
  for (int a = 0; a < s.seats(); ++a) {
    for (const std::string& card : hand(s, a)) {
      const std::string quoted = "\"" + card + "\"";
      EXPECT_NE(texts[a].find(quoted), std::string::npos) << card << " missing in own view";
      EXPECT_EQ(pub.find(card), std::string::npos) << card << " of seat " << a << " in " << pub;
      for (int b = 0; b < s.seats(); ++b) {
        if (b == a) continue;
        EXPECT_EQ(texts[b].find(card), std::string::npos)
            << card << " of seat " << a << " in seat " << b << "'s view: " << texts[b];
      }
    }
  }
}

TEST(CrazyEights, Deal) {
  for (int seats = 2; seats <= 4; ++seats) {
    std::unique_ptr<State> s = start(crazy_eights(), 7, {}, seats);
    const std::size_t dealt = seats == 2 ? 7 : 5;
    Json v = s->view(0);
    EXPECT_EQ(v["game"], "crazyeights");
    EXPECT_EQ(v["hand"].size(), dealt);
    EXPECT_EQ(v["hand_counts"], Json(std::vector<std::size_t>(seats, dealt)));
    EXPECT_EQ(v["draw_pile"], 52 - 1 - dealt * seats);
    EXPECT_EQ(v["discard_pile"], 1);
    EXPECT_EQ(v["suit"].get<std::string>(), v["top"].get<std::string>().substr(1));
    EXPECT_EQ(v["to_move"], 0);
    EXPECT_EQ(v["drawn"], false);
    expect_whole_deck(*s);
    expect_hands_hidden(*s);
  }
  std::unique_ptr<State> s = start(crazy_eights(), 7, {{"hand", "3"}}, 4);
  EXPECT_EQ(s->view(2)["hand"].size(), 3u);
}

TEST(CrazyEights, SeedDecidesTheDeal) {
  EXPECT_EQ(dump(*start(crazy_eights(), 11)), dump(*start(crazy_eights(), 11)));
  EXPECT_NE(dump(*start(crazy_eights(), 11)), dump(*start(crazy_eights(), 12)));
  // Pinned: the shuffle is the library's own and never changes, or old logs
  // would replay into other games.
  std::unique_ptr<State> s = start(crazy_eights(), 1);
  EXPECT_EQ(s->view(0)["hand"].dump() + " " + s->view(0)["top"].dump(),
            R"(["2C","JC","4D","KD","3H","3S","8S"] "KS")");
}

TEST(CrazyEights, ViewsHideHandsThroughWholeGames) {
  for (int seats = 2; seats <= 4; ++seats) {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      std::unique_ptr<State> s = start(crazy_eights(), seed, {}, seats);
      Rng bot(seed * 31);
      int steps = 0;
      while (!s->result().over && steps++ < 400) {
        expect_hands_hidden(*s);
        expect_whole_deck(*s);
        const std::vector<std::string> moves = s->legal_moves();
        ASSERT_FALSE(moves.empty());
        // The mover's legal moves show only in its own view.
        Json own = s->view(s->to_move());
        EXPECT_EQ(strings(own["legal"]), moves);
        EXPECT_FALSE(s->view(kSpectator).contains("legal"));
        ASSERT_TRUE(s->play(s->to_move(), moves[bot.below(moves.size())]).ok());
      }
      expect_hands_hidden(*s);
    }
  }
}

// Plays until `pred` holds before a move, with a simple policy: draw when
// possible, then the first playable card, else pass.
template <class Pred>
bool advance_until(State& s, Pred pred, int max_moves = 2000) {
  for (int i = 0; i < max_moves && !s.result().over; ++i) {
    if (pred(s)) return true;
    const std::vector<std::string> moves = s.legal_moves();
    std::string pick = moves.front();
    if (std::find(moves.begin(), moves.end(), "draw") != moves.end()) pick = "draw";
    if (!s.play(s.to_move(), pick)) return false;
  }
  return !s.result().over && pred(s);
}

TEST(CrazyEights, DrawThenPlayOrPass) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    std::unique_ptr<State> s = start(crazy_eights(), seed);
    const int me = s->to_move();
    const std::vector<std::string> moves = s->legal_moves();
    const bool playable = moves.front().rfind("play ", 0) == 0;
    const std::size_t cards = hand(*s, me).size();
    if (!playable) {
      // Nothing playable and not drawn yet: pass is refused, draw is the only move.
      EXPECT_EQ(moves, std::vector<std::string>{"draw"});
      Expected<std::string> r = s->play(me, "pass");
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, Code::kIllegalMove);
      EXPECT_EQ(r.error().reason, "draw first");
    }
    ASSERT_TRUE(s->play(me, "DRAW").ok());
    EXPECT_EQ(hand(*s, me).size(), cards + 1);
    EXPECT_EQ(s->to_move(), me);  // a draw does not end the turn
    EXPECT_EQ(s->view(kSpectator)["drawn"], true);
    Expected<std::string> again = s->play(me, "draw");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Code::kIllegalMove);
    const std::vector<std::string> after = s->legal_moves();
    EXPECT_EQ(std::count(after.begin(), after.end(), "draw"), 0);
    if (after.back() == "pass") {
      ASSERT_EQ(after.size(), 1u);  // pass only when nothing is playable
      ASSERT_TRUE(s->play(me, "pass").ok());
      EXPECT_EQ(s->to_move(), 1 - me);
      EXPECT_EQ(s->view(kSpectator)["drawn"], false);
    } else {
      Expected<std::string> r = s->play(me, "pass");
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().reason, "you have a playable card");
    }
  }
}

TEST(CrazyEights, PlayRules) {
  std::unique_ptr<State> s = start(crazy_eights(), 3);
  const std::string before = dump(*s);
  const int me = s->to_move();
  const std::vector<std::string> mine = hand(*s, me);
  const std::string other = hand(*s, 1 - me).front();
  const std::string top = s->view(me)["top"];
  const std::string suit = s->view(me)["suit"];

  Expected<std::string> r = s->play(me, "play " + other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kIllegalMove);
  EXPECT_EQ(r.error().reason, "you do not hold " + other);

  for (const std::string& card : mine) {
    const bool matches = card[0] == '8' || card[1] == suit[0] || card[0] == top[0];
    if (matches) continue;
    r = s->play(me, "play " + card);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::kIllegalMove);
    EXPECT_EQ(r.error().reason, card + " does not match " + top + " (suit " + suit + ")");
  }
  for (std::string_view bad : {"play", "play 1H", "play 8X", "play 8H X", "play 5H S",
                               "play 8H S S", "jump", "draw 2", "", "play ZZ"}) {
    r = s->play(me, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Code::kBadSyntax) << bad;
  }
  EXPECT_EQ(s->play(me, "play 5H S").error().reason, "only an 8 names a suit");
  EXPECT_EQ(s->play(1 - me, "draw").error().code, Code::kNotYourTurn);
  EXPECT_EQ(dump(*s), before);
}

TEST(CrazyEights, EightsNameTheSuit) {
  int eights = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::unique_ptr<State> s = start(crazy_eights(), seed);
    const bool found = advance_until(*s, [](const State& st) {
      for (const std::string& c : hand(st, st.to_move())) {
        if (c[0] == '8') return true;
      }
      return false;
    });
    if (!found) continue;
    std::string eight;
    for (const std::string& c : hand(*s, s->to_move())) {
      if (c[0] == '8') eight = c;
    }
    std::unique_ptr<State> named = s->clone();
    Expected<std::string> r = named->play(named->to_move(), "play " + lower(eight) + " d");
    ASSERT_TRUE(r.ok()) << r.error().reason;
    EXPECT_EQ(r.value(), "play " + eight + " D");
    if (!named->result().over) {
      EXPECT_EQ(named->view(kSpectator)["suit"], "D");
      EXPECT_EQ(named->view(kSpectator)["top"], eight);
    }
    // Without a suit an 8 keeps its own, and the log says so.
    r = s->play(s->to_move(), "play " + eight);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), "play " + eight + " " + eight.substr(1));
    if (!s->result().over) {
      EXPECT_EQ(s->view(kSpectator)["suit"], eight.substr(1));
    }
    ++eights;
  }
  EXPECT_GT(eights, 5);
}

TEST(CrazyEights, TenCanBeWrittenTen) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    std::unique_ptr<State> s = start(crazy_eights(), seed);
    for (const std::string& m : s->legal_moves()) {
      if (m.size() == 7 && m[5] == 'T') {  // "play TH"
        Expected<std::string> r = s->play(s->to_move(), "play 10" + std::string(1, m[6]));
        ASSERT_TRUE(r.ok()) << r.error().reason;
        EXPECT_EQ(r.value(), m);
        return;
      }
    }
  }
  FAIL() << "no seed with a playable ten";
}

TEST(CrazyEights, EmptyHandWins) {
  // One card each: find a deal where seat 0 can play its card at once.
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    std::unique_ptr<State> s = start(crazy_eights(), seed, {{"hand", "1"}}, 3);
    const std::vector<std::string> moves = s->legal_moves();
    if (moves.front().rfind("play ", 0) != 0) continue;
    auto points = [](const std::string& c) {
      if (c[0] == '8') return 50;
      if (c[0] == 'A') return 1;
      if (c[0] == 'T' || c[0] == 'J' || c[0] == 'Q' || c[0] == 'K') return 10;
      return c[0] - '0';
    };
    const int expected_score = points(hand(*s, 1)[0]) + points(hand(*s, 2)[0]);
    ASSERT_TRUE(s->play(0, moves.front()).ok());
    Result r = s->result();
    EXPECT_TRUE(r.over);
    EXPECT_EQ(r.winner, 0);
    EXPECT_FALSE(r.draw);
    EXPECT_EQ(r.reason, "hand_empty");
    EXPECT_EQ(r.scores, (std::vector<int>{expected_score, 0, 0}));
    EXPECT_EQ(s->to_move(), kNoSeat);
    EXPECT_TRUE(s->legal_moves().empty());
    EXPECT_EQ(s->play(1, "draw").error().code, Code::kGameOver);
    expect_hands_hidden(*s);  // hands stay hidden after the end too
    return;
  }
  FAIL() << "no seed where seat 0 could go out at once";
}

TEST(CrazyEights, RandomGamesEndWithAnEmptyHand) {
  int finished = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    std::unique_ptr<State> s = start(crazy_eights(), seed, {}, 2 + seed % 3);
    test::random_game(*s, seed, 5000);
    if (!s->result().over) continue;
    ++finished;
    Result r = s->result();
    EXPECT_EQ(r.reason, "hand_empty");
    EXPECT_TRUE(hand(*s, r.winner).empty());
    EXPECT_EQ(s->view(kSpectator)["hand_counts"][r.winner], 0);
    expect_whole_deck(*s);
  }
  EXPECT_GE(finished, 28);
}

// When the draw pile is empty, a draw turns the discards except the top card
// into a new, shuffled draw pile, the same way on every replay.
TEST(CrazyEights, DrawingFromAnEmptyPileReshufflesTheDiscards) {
  std::unique_ptr<State> s = start(crazy_eights(), 5);
  std::vector<LoggedMove> log;
  bool reached = false;
  Rng bot(5);
  for (int i = 0; i < 3000 && !s->result().over; ++i) {
    Json v = s->view(kSpectator);
    if (v["draw_pile"] == 0 && v["discard_pile"] > 2 && v["drawn"] == false) {
      reached = true;
      break;
    }
    std::vector<std::string> moves = s->legal_moves();
    // Mostly draw, to run the pile down; sometimes play, to grow the discards.
    std::string pick = moves[bot.below(moves.size())];
    if (bot.below(3) != 0 && std::find(moves.begin(), moves.end(), "draw") != moves.end()) {
      pick = "draw";
    }
    const int seat = s->to_move();
    Expected<std::string> r = s->play(seat, pick);
    ASSERT_TRUE(r.ok());
    log.push_back({seat, r.value()});
  }
  ASSERT_TRUE(reached) << "never ran the draw pile out";

  const Json before = s->snapshot();
  const std::vector<std::string> discards = strings(before["discards"]);
  const std::string top = discards.back();
  const int me = s->to_move();
  std::unique_ptr<State> twin = s->clone();
  ASSERT_TRUE(s->play(me, "draw").ok());
  log.push_back({me, "draw"});

  const Json after = s->snapshot();
  EXPECT_EQ(strings(after["discards"]), std::vector<std::string>{top});
  EXPECT_EQ(after["top"], top);
  std::vector<std::string> reborn = strings(after["stock"]);
  // The drawn card: in the new hand, not in the old one.
  std::vector<std::string> old_hand = strings(before["hands"][me]);
  std::vector<std::string> new_hand = strings(after["hands"][me]);
  ASSERT_EQ(new_hand.size(), old_hand.size() + 1);
  for (const std::string& c : new_hand) {
    if (std::find(old_hand.begin(), old_hand.end(), c) == old_hand.end()) reborn.push_back(c);
  }
  std::vector<std::string> expected(discards.begin(), discards.end() - 1);
  std::vector<std::string> got = reborn;
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected);
  // Shuffled, not just turned over.
  std::vector<std::string> turned(discards.begin(), discards.end() - 1);
  EXPECT_NE(reborn, turned);
  std::reverse(turned.begin(), turned.end());
  EXPECT_NE(reborn, turned);
  expect_whole_deck(*s);

  // Deterministic: the same draw from the same state, and a replay of the
  // whole log, give the same shuffle.
  ASSERT_TRUE(twin->play(me, "draw").ok());
  EXPECT_EQ(dump(*twin), dump(*s));
  Expected<std::unique_ptr<State>> replayed = replay(crazy_eights(), 5, {}, 2, log);
  ASSERT_TRUE(replayed.ok()) << replayed.error().reason;
  EXPECT_EQ(dump(*replayed.value()), dump(*s));
}

TEST(CrazyEights, ForfeitsInAThreeSeatGame) {
  std::unique_ptr<State> s = start(crazy_eights(), 9, {}, 3);
  const std::size_t stock = s->view(kSpectator)["draw_pile"];
  const std::vector<std::string> gone = hand(*s, 1);
  // Seat 1 resigns out of turn: out, its hand under the draw pile.
  Expected<std::string> r = s->play(1, "resign");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "resign");
  EXPECT_FALSE(s->result().over);
  Json v = s->view(kSpectator);
  EXPECT_EQ(v["out"], Json::array({false, true, false}));
  EXPECT_EQ(v["hand_counts"][1], 0);
  EXPECT_EQ(v["draw_pile"], stock + gone.size());
  std::vector<std::string> bottom = strings(s->snapshot()["stock"]);
  bottom.resize(gone.size());
  EXPECT_EQ(bottom, gone);
  expect_whole_deck(*s);
  EXPECT_EQ(s->forfeit(1, Forfeit::kTimeout).error().code, Code::kIllegalMove);

  // Seat 0 moves, then the turn skips seat 1.
  ASSERT_EQ(s->to_move(), 0);
  while (s->to_move() == 0) {
    const std::vector<std::string> moves = s->legal_moves();
    ASSERT_TRUE(s->play(0, moves.back()).ok());
  }
  EXPECT_EQ(s->to_move(), 2);
  EXPECT_EQ(s->play(1, "draw").error().code, Code::kNotYourTurn);

  // Seat 2, to move, times out: seat 0 is the last one in and wins.
  r = s->forfeit(2, Forfeit::kTimeout);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "timeout");
  Result res = s->result();
  EXPECT_TRUE(res.over);
  EXPECT_EQ(res.winner, 0);
  EXPECT_EQ(res.reason, "timeout");
  EXPECT_EQ(res.scores, (std::vector<int>{0, 0, 0}));  // the others' hands left the table
  expect_whole_deck(*s);
}

TEST(CrazyEights, ForfeitOfTheSeatToMovePassesTheTurn) {
  std::unique_ptr<State> s = start(crazy_eights(), 4, {}, 4);
  ASSERT_TRUE(s->play(0, "draw").ok());
  ASSERT_TRUE(s->forfeit(0, Forfeit::kTimeout).ok());
  EXPECT_EQ(s->to_move(), 1);
  EXPECT_EQ(s->view(kSpectator)["drawn"], false);
  EXPECT_FALSE(s->result().over);
}

}  // namespace
}  // namespace lobbyd::games
