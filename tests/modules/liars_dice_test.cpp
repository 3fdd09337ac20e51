// Liar's Dice (modules/liars_dice.lua), a game that exists only as a Lua
// module: it loads through the self-check, its rules (bids, raises,
// challenges both ways, players going out, the winner), its hidden
// information (a seat sees only its own dice, spectators none until a
// challenge reveals them), determinism and replay, and many seeded random
// playouts with 2-6 seats.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "games/random.h"
#include "modules/lua_game.h"

namespace lobbyd::modules {
namespace {

using games::Code;
using games::Json;
using games::kSpectator;

std::shared_ptr<const LuaGame> liars_dice() {
  static std::shared_ptr<const LuaGame> game = [] {
    std::ifstream in(std::string(LOBBYD_MODULES_DIR) + "/liars_dice.lua");
    std::stringstream ss;
    ss << in.rdbuf();
    auto g = LuaGame::load(ss.str(), 1);
    EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().reason);
    return g.ok() ? g.value() : nullptr;
  }();
  return game;
}

std::unique_ptr<games::State> start(std::uint64_t seed, int seats, int dice = 5) {
  auto g = liars_dice();
  if (!g) return nullptr;
  auto s = g->initial(seed, {{"dice", std::to_string(dice)}}, seats);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().reason);
  return s.ok() ? std::move(s.value()) : nullptr;
}

// Every die of the current round, per seat, from the snapshot (tests only).
std::vector<std::vector<int>> all_dice(const games::State& s) {
  const Json snap = s.snapshot();  // kept: a range-for over a temporary's member would dangle
  std::vector<std::vector<int>> out;
  for (const Json& d : snap.at("state").at("dice")) out.push_back(d.get<std::vector<int>>());
  return out;
}

// Dice matching a bid on `face`: 1s are wild unless the bid is on 1s.
int found(const std::vector<std::vector<int>>& dice, int face) {
  int n = 0;
  for (const auto& d : dice) {
    for (int x : d) n += (x == face || (face != 1 && x == 1)) ? 1 : 0;
  }
  return n;
}

std::string answer(const games::Expected<std::string>& r) {
  if (r) return "ok " + r.value();
  return std::string(games::code_name(r.error().code)) + " " + r.error().reason;
}

Code code(const games::Expected<std::string>& r) {
  EXPECT_FALSE(r.ok()) << "accepted as " << (r.ok() ? r.value() : "");
  return r.ok() ? Code::kModuleError : r.error().code;
}

// A seat's view without what is that seat's own: its dice, the "you:" line
// of the board, `you`. What is left must be the spectator's view.
Json without_own(Json v) {
  v.erase("you");
  v.erase("dice");
  Json board = Json::array();
  for (const Json& line : v["board"]) {
    if (line.get<std::string>().rfind("you: ", 0) != 0) board.push_back(line);
  }
  v["board"] = board;
  return v;
}

// Public keys of a view; anything else in the spectator's view would be a leak.
const std::set<std::string> kPublicKeys = {"game",  "seats", "you",   "to_move", "ply",
                                           "last",  "result", "dice_counts", "out", "total_dice",
                                           "round", "bids",  "legal", "bid",     "reveal", "board"};

// What every view must keep: seat `seat` sees its own dice and nothing of
// another seat's current dice; the spectator sees no die values but a
// revealed challenge's.
void check_views(const games::State& s, const std::string& where) {
  const auto dice = all_dice(s);
  const Json pub = s.view(kSpectator);
  ASSERT_FALSE(pub.contains("dice")) << where;
  for (auto& [k, v] : pub.items()) ASSERT_TRUE(kPublicKeys.count(k)) << where << " key " << k;
  for (const Json& line : pub["board"]) {
    ASSERT_EQ(line.get<std::string>().find("you:"), std::string::npos) << where;
  }
  for (int seat = 0; seat < s.seats(); ++seat) {
    const Json v = s.view(seat);
    if (dice[seat].empty()) {
      ASSERT_FALSE(v.contains("dice")) << where << " seat " << seat;
    } else {
      ASSERT_EQ(v["dice"].get<std::vector<int>>(), dice[seat]) << where << " seat " << seat;
      ASSERT_TRUE(std::is_sorted(dice[seat].begin(), dice[seat].end()));
    }
    ASSERT_EQ(v["dice_counts"][seat], dice[seat].size()) << where;
    ASSERT_EQ(without_own(v), without_own(pub)) << where << " seat " << seat;
  }
}

TEST(LiarsDice, LoadsWithItsSelfCheck) {
  auto g = liars_dice();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->name(), "liars_dice");
  EXPECT_EQ(g->min_seats(), 2);
  EXPECT_EQ(g->max_seats(), 6);
  EXPECT_EQ(g->default_seats(), 2);
  EXPECT_TRUE(g->has_forfeit());
  ASSERT_EQ(g->option_specs().size(), 1u);
  EXPECT_EQ(g->option_specs()[0].key, "dice");
  EXPECT_EQ(g->option_specs()[0].min, 1);
  EXPECT_EQ(g->option_specs()[0].max, 5);
  EXPECT_EQ(g->option_defaults(), std::vector<int>{5});
  EXPECT_EQ(g->initial(1, {{"dice", "6"}}, 2).error().code, Code::kBadOption);
  EXPECT_EQ(g->initial(1, {}, 7).error().code, Code::kBadOption);
  EXPECT_EQ(g->initial(1, {}, 1).error().code, Code::kBadOption);
  auto s = g->initial(1, {}, 2);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value()->view(0)["dice"].size(), 5u) << "default: 5 dice each";
  EXPECT_EQ(s.value()->view(0)["total_dice"], 10);
}

// Seed 1, two seats, two dice each: a challenge the bid survives, then one
// it does not, which takes seat 1's last die.
TEST(LiarsDice, ScriptedGame) {
  auto s = start(1, 2, 2);
  ASSERT_TRUE(s);
  const auto dice = all_dice(*s);
  // Pinned: the first roll of seed 1 (the host's SplitMix64), so that a
  // change in how a round rolls shows here.
  EXPECT_EQ(dice, (std::vector<std::vector<int>>{{2, 6}, {1, 6}}));
  EXPECT_EQ(s->view(0)["dice"], (Json{2, 6}));
  EXPECT_EQ(s->view(1)["dice"], (Json{1, 6}));
  EXPECT_EQ(s->view(0)["dice_counts"], (Json{2, 2}));
  EXPECT_EQ(s->view(0)["board"][2], "you: 2 6");
  EXPECT_FALSE(s->view(kSpectator).contains("dice"));
  EXPECT_FALSE(s->view(kSpectator).contains("reveal"));
  EXPECT_FALSE(s->view(kSpectator).contains("bid"));
  EXPECT_EQ(s->view(kSpectator)["round"], 1);
  EXPECT_EQ(s->to_move(), 0);
  EXPECT_EQ(s->view(kSpectator)["legal"], (Json{"1x1", "1x2", "1x3", "1x4", "1x5", "1x6"}));
  EXPECT_EQ(s->legal_moves().size(), 4u * 6u) << "every bid up to the 4 dice in play, no liar yet";

  // Refusals change nothing.
  EXPECT_EQ(code(s->play(0, "liar")), Code::kIllegalMove);
  EXPECT_EQ(code(s->play(0, "hello")), Code::kBadSyntax);
  EXPECT_EQ(code(s->play(0, "3x7")), Code::kBadSyntax);
  EXPECT_EQ(code(s->play(0, "0x3")), Code::kBadSyntax);
  EXPECT_EQ(code(s->play(0, "3x")), Code::kBadSyntax);
  EXPECT_EQ(code(s->play(0, "x3")), Code::kBadSyntax);
  EXPECT_EQ(code(s->play(0, "5x2")), Code::kIllegalMove) << "only 4 dice in play";
  EXPECT_EQ(code(s->play(0, "99999999999999999999x2")), Code::kIllegalMove);
  EXPECT_EQ(code(s->play(1, "1x2")), Code::kNotYourTurn);
  EXPECT_EQ(s->ply(), 0);
  EXPECT_EQ(all_dice(*s), dice);

  // Seat 0 opens with 3x6, which holds only with the wild 1: 2 6 + 1 6.
  // Read without case and with spaces, logged canonical.
  EXPECT_EQ(found(dice, 6), 3);
  EXPECT_EQ(found(dice, 1), 1) << "a bid on 1s counts only 1s";
  ASSERT_EQ(answer(s->play(0, "3 X 6")), "ok 3x6");
  EXPECT_EQ(s->to_move(), 1);
  EXPECT_EQ(s->view(kSpectator)["bid"], (Json{{"count", 3}, {"face", 6}, {"seat", 0}, {"text", "3x6"}}));
  EXPECT_EQ(s->view(kSpectator)["bids"], (Json{{{"seat", 0}, {"bid", "3x6"}}}));
  EXPECT_EQ(s->view(kSpectator)["legal"], (Json{"4x1", "4x2", "4x3", "4x4", "4x5", "4x6", "liar"}));
  // Raising: more dice, or as many on a higher face.
  EXPECT_EQ(code(s->play(1, "3x6")), Code::kIllegalMove) << "equal";
  EXPECT_EQ(code(s->play(1, "3x5")), Code::kIllegalMove) << "lower face";
  EXPECT_EQ(code(s->play(1, "2x6")), Code::kIllegalMove) << "fewer dice";
  EXPECT_EQ(code(s->play(1, "3x1")), Code::kIllegalMove) << "1s rank lowest";
  const auto lower = s->play(1, "1x2");
  ASSERT_FALSE(lower.ok());
  EXPECT_EQ(lower.error().reason, "1x2 does not beat 3x6: bid more dice, or as many on a higher face");
  EXPECT_EQ(s->legal_moves(), (std::vector<std::string>{"4x1", "4x2", "4x3", "4x4", "4x5", "4x6", "liar"}));
  EXPECT_EQ(s->ply(), 1);

  // Seat 1 calls: three dice count for 6 (the 1 is wild), the bid holds and
  // the caller loses a die.
  ASSERT_EQ(answer(s->play(1, "LIAR")), "ok liar");
  Json reveal = s->view(kSpectator)["reveal"];
  EXPECT_EQ(reveal["dice"], (Json{{2, 6}, {1, 6}}));
  EXPECT_EQ(reveal["bid"], "3x6");
  EXPECT_EQ(reveal["bidder"], 0);
  EXPECT_EQ(reveal["caller"], 1);
  EXPECT_EQ(reveal["found"], 3);
  EXPECT_EQ(reveal["holds"], true);
  EXPECT_EQ(reveal["loser"], 1);
  EXPECT_EQ(reveal["loser_out"], false);
  EXPECT_EQ(s->view(kSpectator)["dice_counts"], (Json{2, 1}));
  EXPECT_EQ(s->view(kSpectator)["round"], 2);
  EXPECT_FALSE(s->view(kSpectator).contains("bid"));
  EXPECT_EQ(s->view(kSpectator)["bids"], Json::array());
  EXPECT_EQ(s->to_move(), 1) << "the loser starts the next round";
  EXPECT_EQ(s->view(1)["dice"].size(), 1u);
  check_views(*s, "round 2");

  // Round 2: seat 1 bids three of a face of which fewer than three show:
  // seat 0 calls, the bidder loses its last die and seat 0 wins.
  const auto dice2 = all_dice(*s);
  int face = 6;
  while (face > 1 && found(dice2, face) >= 3) --face;
  ASSERT_LT(found(dice2, face), 3);
  const std::string bid = "3x" + std::to_string(face);
  ASSERT_EQ(answer(s->play(1, bid)), "ok " + bid);
  EXPECT_EQ(code(s->play(0, "4x1")), Code::kIllegalMove) << "only 3 dice in play";
  ASSERT_EQ(answer(s->play(0, "liar")), "ok liar");
  reveal = s->view(kSpectator)["reveal"];
  EXPECT_EQ(reveal["holds"], false);
  EXPECT_EQ(reveal["loser"], 1);
  EXPECT_EQ(reveal["loser_out"], true);
  EXPECT_EQ(reveal["round"], 2);
  EXPECT_EQ(reveal["dice"][0].get<std::vector<int>>(), dice2[0]);
  EXPECT_EQ(reveal["dice"][1].get<std::vector<int>>(), dice2[1]);
  EXPECT_EQ(s->view(kSpectator)["dice_counts"], (Json{2, 0}));
  EXPECT_EQ(s->view(kSpectator)["out"], (Json{false, true}));
  const games::Result r = s->result();
  EXPECT_TRUE(r.over);
  EXPECT_EQ(r.winner, 0);
  EXPECT_FALSE(r.draw);
  EXPECT_EQ(r.reason, "last_with_dice");
  EXPECT_EQ(r.scores, (std::vector<int>{1, 0}));
  EXPECT_EQ(s->to_move(), games::kNoSeat);
  EXPECT_TRUE(s->legal_moves().empty());
  EXPECT_EQ(s->view(0)["legal"], Json::array());
  EXPECT_EQ(code(s->play(0, "1x1")), Code::kGameOver);
  EXPECT_EQ(s->ply(), 4);
}

// Three seats, one die each: seat 0 goes out and its turns are skipped.
TEST(LiarsDice, ThreeSeatsAPlayerGoesOut) {
  auto s = start(3, 3, 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->view(kSpectator)["dice_counts"], (Json{1, 1, 1}));
  check_views(*s, "start");
  const auto dice = all_dice(*s);
  int face = 6;
  while (face > 1 && found(dice, face) >= 3) --face;
  ASSERT_LT(found(dice, face), 3) << "seed 3 gives a false 3-dice bid";
  ASSERT_TRUE(s->play(0, "3x" + std::to_string(face)).ok());
  ASSERT_EQ(s->to_move(), 1);
  ASSERT_TRUE(s->play(1, "liar").ok());
  EXPECT_EQ(s->view(kSpectator)["reveal"]["loser"], 0);
  EXPECT_EQ(s->view(kSpectator)["reveal"]["loser_out"], true);
  EXPECT_EQ(s->view(kSpectator)["dice_counts"], (Json{0, 1, 1}));
  EXPECT_EQ(s->view(kSpectator)["out"], (Json{true, false, false}));
  EXPECT_EQ(s->view(kSpectator)["board"][0], "seat 0: out");
  EXPECT_FALSE(s->result().over);
  EXPECT_EQ(s->to_move(), 1) << "the loser is out: the next player in starts";
  EXPECT_FALSE(s->view(0).contains("dice"));
  check_views(*s, "seat 0 out");
  EXPECT_EQ(code(s->forfeit(0, games::Forfeit::kTimeout)), Code::kIllegalMove) << "out already";
  ASSERT_TRUE(s->play(1, "1x2").ok());
  ASSERT_EQ(s->to_move(), 2);
  ASSERT_TRUE(s->play(2, "1x3").ok());
  EXPECT_EQ(s->to_move(), 1) << "seat 0 is skipped";
  // Play it out: the last seat with its die wins.
  games::Rng rng(3);
  while (!s->result().over) {
    auto legal = s->legal_moves();
    ASSERT_TRUE(s->play(s->to_move(), legal[rng.below(legal.size())]).ok());
  }
  EXPECT_EQ(s->result().reason, "last_with_dice");
  EXPECT_NE(s->result().winner, 0);
  EXPECT_EQ(s->view(kSpectator)["dice_counts"][s->result().winner], 1);
}

TEST(LiarsDice, SixSeats) {
  auto s = start(6, 6);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->view(kSpectator)["total_dice"], 30);
  EXPECT_EQ(s->view(kSpectator)["dice_counts"], (Json{5, 5, 5, 5, 5, 5}));
  EXPECT_EQ(s->legal_moves().size(), 30u * 6u);
  check_views(*s, "start");
  EXPECT_EQ(code(s->play(0, "31x2")), Code::kIllegalMove);
  for (int seat = 0; seat < 5; ++seat) {
    ASSERT_TRUE(s->play(seat, std::to_string(seat + 1) + "x6").ok());
    EXPECT_EQ(s->to_move(), seat + 1);
  }
  EXPECT_EQ(s->view(kSpectator)["bids"].size(), 5u);
  EXPECT_EQ(s->view(kSpectator)["bids"][4], (Json{{"seat", 4}, {"bid", "5x6"}}));
  ASSERT_TRUE(s->play(5, "30x6").ok());
  EXPECT_EQ(s->to_move(), 0) << "round the table";
  EXPECT_EQ(s->legal_moves(), std::vector<std::string>{"liar"});
  EXPECT_EQ(s->view(kSpectator)["legal"], (Json{"liar"}));
  const int matched = found(all_dice(*s), 6);
  ASSERT_TRUE(s->play(0, "liar").ok());
  const Json reveal = s->view(kSpectator)["reveal"];
  EXPECT_EQ(reveal["found"], matched);
  EXPECT_EQ(reveal["holds"], matched >= 30);
  EXPECT_EQ(reveal["loser"], matched >= 30 ? 0 : 5);
  EXPECT_EQ(reveal["dice"].size(), 6u);
  EXPECT_EQ(s->view(kSpectator)["total_dice"], 29);
  EXPECT_EQ(s->to_move(), 5);
  check_views(*s, "round 2");
}

TEST(LiarsDice, TimeoutEndsATwoSeatGame) {
  auto s = start(9, 2);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->play(0, "2x5").ok());
  ASSERT_EQ(answer(s->forfeit(1, games::Forfeit::kTimeout)), "ok timeout");
  EXPECT_TRUE(s->result().over);
  EXPECT_EQ(s->result().winner, 0);
  EXPECT_EQ(s->result().reason, "timeout");
  EXPECT_EQ(s->result().scores, (std::vector<int>{1, 0}));
  EXPECT_EQ(s->view(kSpectator)["dice_counts"], (Json{5, 0}));
  EXPECT_FALSE(s->view(kSpectator).contains("reveal")) << "a forfeit reveals nothing";
  check_views(*s, "after the timeout");
  // A resignation out of turn, the same way.
  auto r = start(9, 2);
  ASSERT_TRUE(r->play(0, "resign").ok());
  EXPECT_EQ(r->result().winner, 1);
  EXPECT_EQ(r->result().reason, "resign");
}

TEST(LiarsDice, ForfeitsWithMoreSeatsRestartTheRound) {
  auto s = start(4, 4);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->play(0, "2x3").ok());
  ASSERT_EQ(s->to_move(), 1);
  const auto before = all_dice(*s);
  // Seat 3 resigns out of turn: it is out, the round restarts, all reroll,
  // and seat 1 (to move) opens the new round.
  ASSERT_EQ(answer(s->play(3, "resign")), "ok resign");
  EXPECT_FALSE(s->result().over);
  EXPECT_EQ(s->view(kSpectator)["round"], 2);
  EXPECT_FALSE(s->view(kSpectator).contains("bid"));
  EXPECT_EQ(s->view(kSpectator)["dice_counts"], (Json{5, 5, 5, 0}));
  EXPECT_EQ(s->view(kSpectator)["total_dice"], 15);
  EXPECT_EQ(s->to_move(), 1);
  EXPECT_NE(all_dice(*s), before) << "a fresh roll";
  EXPECT_EQ(code(s->play(1, "liar")), Code::kIllegalMove) << "a fresh round has no bid";
  check_views(*s, "after seat 3 resigned");
  // Seat 1, to move, times out: the next player in opens.
  ASSERT_TRUE(s->play(1, "1x6").ok());
  ASSERT_TRUE(s->play(2, "2x6").ok());
  ASSERT_EQ(s->to_move(), 0) << "seat 3 is skipped";
  ASSERT_TRUE(s->forfeit(0, games::Forfeit::kTimeout).ok());
  EXPECT_EQ(s->view(kSpectator)["round"], 3);
  EXPECT_EQ(s->to_move(), 1);
  EXPECT_EQ(code(s->forfeit(0, games::Forfeit::kResign)), Code::kIllegalMove);
  EXPECT_EQ(code(s->forfeit(3, games::Forfeit::kTimeout)), Code::kIllegalMove);
  ASSERT_TRUE(s->forfeit(1, games::Forfeit::kResign).ok());
  EXPECT_TRUE(s->result().over);
  EXPECT_EQ(s->result().winner, 2);
  EXPECT_EQ(s->result().reason, "resign");
  EXPECT_EQ(s->result().scores, (std::vector<int>{0, 0, 1, 0}));
}

// A seeded random game with now and then a forfeit; its log.
std::vector<games::LoggedMove> random_game(games::State& s, std::uint64_t seed, int max_steps) {
  games::Rng rng(seed);
  std::vector<games::LoggedMove> log;
  for (int step = 0; step < max_steps && !s.result().over; ++step) {
    if (rng.below(40) == 0) {
      const int seat = static_cast<int>(rng.below(static_cast<std::uint64_t>(s.seats())));
      auto r = s.forfeit(seat, games::Forfeit::kTimeout);
      if (r) log.push_back({seat, r.value()});
      continue;
    }
    auto legal = s.legal_moves();
    const int seat = s.to_move();
    auto r = s.play(seat, legal[rng.below(legal.size())]);
    EXPECT_TRUE(r.ok()) << answer(r);
    if (r) log.push_back({seat, r.value()});
  }
  return log;
}

std::vector<std::string> all_views(const games::State& s) {
  std::vector<std::string> out;
  for (int seat = kSpectator; seat < s.seats(); ++seat) out.push_back(s.view(seat).dump());
  return out;
}

TEST(LiarsDice, SameSeedSameGameAndReplay) {
  for (int seats = 2; seats <= 6; ++seats) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      SCOPED_TRACE("seats " + std::to_string(seats) + " seed " + std::to_string(seed));
      auto a = start(seed, seats, 3);
      auto b = start(seed, seats, 3);
      ASSERT_TRUE(a && b);
      EXPECT_EQ(all_views(*a), all_views(*b));
      const auto log = random_game(*a, seed * 7, 60);
      for (const auto& m : log) ASSERT_TRUE(b->apply_logged(m.seat, m.text).ok()) << m.text;
      EXPECT_EQ(all_views(*a), all_views(*b));
      EXPECT_EQ(a->snapshot(), b->snapshot());
      auto again = games::replay(*liars_dice(), seed, {{"dice", "3"}}, seats, log);
      ASSERT_TRUE(again.ok()) << again.error().reason;
      EXPECT_EQ(all_views(*again.value()), all_views(*a));
      EXPECT_EQ(again.value()->snapshot()["state"], a->snapshot()["state"]);
      auto copy = a->clone();
      ASSERT_TRUE(copy);
      EXPECT_EQ(all_views(*copy), all_views(*a));
      EXPECT_EQ(copy->result().reason, a->result().reason);
    }
  }
  // Another seed rolls other dice.
  auto one = start(1, 6);
  auto two = start(2, 6);
  EXPECT_NE(all_dice(*one), all_dice(*two));
}

// 500 seeded random playouts with 2-6 seats and 1-5 dice: every legal move
// is accepted, every view keeps the hidden information, a challenge reveals
// exactly the dice that were rolled, and the game ends with one seat
// holding dice, within the bound (at most 6 x dice + 1 moves a round, one
// die lost a round).
TEST(LiarsDice, RandomPlayoutsEndWithAWinner) {
  for (int game_no = 0; game_no < 500; ++game_no) {
    const int seats = 2 + game_no % 5;
    const int dice = 1 + (game_no / 5) % 5;
    const std::uint64_t seed = 5000 + static_cast<std::uint64_t>(game_no);
    const std::string tag = "seed " + std::to_string(seed) + " seats " + std::to_string(seats) +
                            " dice " + std::to_string(dice);
    auto s = start(seed, seats, dice);
    ASSERT_TRUE(s) << tag;
    const int total = seats * dice;
    const int bound = (total - 1) * (6 * total + 1);
    games::Rng rng(seed);
    int moves = 0;
    const bool check = game_no % 5 == 0 || game_no < 50;  // views on a tenth or so: the cost
    if (check) check_views(*s, tag);
    while (!s->result().over) {
      ASSERT_LT(moves, bound) << tag;
      const auto legal = s->legal_moves();
      ASSERT_FALSE(legal.empty()) << tag;
      const Json pub = s->view(kSpectator);
      for (const Json& m : pub["legal"]) {
        ASSERT_NE(std::find(legal.begin(), legal.end(), m.get<std::string>()), legal.end()) << tag;
      }
      ASSERT_EQ(pub.contains("bid"), legal.back() == "liar") << tag;
      const std::string move = legal[rng.below(legal.size())];
      const auto before = move == "liar" ? all_dice(*s) : std::vector<std::vector<int>>{};
      const int seat = s->to_move();
      auto r = s->play(seat, move);
      ASSERT_TRUE(r.ok()) << tag << " move " << move << ": " << answer(r);
      ASSERT_EQ(r.value(), move) << tag;
      ++moves;
      if (move == "liar") {
        const Json reveal = s->view(kSpectator)["reveal"];
        for (int i = 0; i < seats; ++i) {
          ASSERT_EQ(reveal["dice"][i].get<std::vector<int>>(), before[i]) << tag;
        }
        ASSERT_EQ(reveal["caller"], seat) << tag;
        const std::string bid = reveal["bid"].get<std::string>();
        const int face = bid.back() - '0';
        const int count = std::stoi(bid.substr(0, bid.find('x')));
        ASSERT_EQ(reveal["found"], found(before, face)) << tag;
        ASSERT_EQ(reveal["holds"], found(before, face) >= count) << tag;
        ASSERT_EQ(reveal["loser"], found(before, face) >= count ? seat : reveal["bidder"].get<int>()) << tag;
      }
      if (check) check_views(*s, tag + " move " + std::to_string(moves));
    }
    const games::Result r = s->result();
    ASSERT_EQ(r.reason, "last_with_dice") << tag;
    ASSERT_GE(r.winner, 0) << tag;
    const Json counts = s->view(kSpectator)["dice_counts"];
    for (int i = 0; i < seats; ++i) {
      ASSERT_EQ(counts[i].get<int>() > 0, i == r.winner) << tag;
    }
    ASSERT_FALSE(static_cast<const LuaState&>(*s).module_error().has_value()) << tag;
  }
}

// Before any challenge the spectator's view holds no die value at all (no
// `dice`, no `reveal`, no "you:" line anywhere in the JSON), and a seat's
// view is exactly the spectator's plus that seat's own dice: seat 0 never
// sees seat 1's.
TEST(LiarsDice, HiddenInformation) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto s = start(seed, 2);
    ASSERT_TRUE(s);
    const Json pub = s->view(kSpectator);
    std::function<void(const Json&, const std::string&)> no_dice = [&](const Json& j, const std::string& at) {
      if (j.is_object()) {
        for (auto& [k, v] : j.items()) {
          ASSERT_NE(k, "dice") << at;
          ASSERT_NE(k, "reveal") << at;
          no_dice(v, at + "." + k);
        }
      } else if (j.is_array()) {
        for (const Json& v : j) no_dice(v, at + "[]");
      } else if (j.is_string()) {
        ASSERT_EQ(j.get<std::string>().find("you:"), std::string::npos) << at;
      }
    };
    no_dice(pub, "spectator");
    // The same public view after a bid: still nothing.
    ASSERT_TRUE(s->play(0, "1x2").ok());
    no_dice(s->view(kSpectator), "spectator after a bid");
    check_views(*s, "seed " + std::to_string(seed));
    // Each seat's view is the spectator's plus its own dice, nothing more.
    const auto dice = all_dice(*s);
    const Json v0 = s->view(0);
    EXPECT_EQ(v0["dice"].get<std::vector<int>>(), dice[0]);
    EXPECT_EQ(without_own(v0), without_own(s->view(kSpectator)));
    const Json v1 = s->view(1);
    EXPECT_EQ(v1["dice"].get<std::vector<int>>(), dice[1]);
    EXPECT_EQ(without_own(v1), without_own(s->view(kSpectator)));
  }
}

}  // namespace
}  // namespace lobbyd::modules
