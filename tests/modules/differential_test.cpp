// The Lua ports of tic-tac-toe and connect four (modules/*.lua) against the
// compiled-in games, side by side: thousands of seeded random playouts, and
// after every step the same to_move, legal moves, logged text, result and
// views (every seat and the spectator; only the game's name differs). Now
// and then a step is a bad move (a wrong syntax, a taken cell, the wrong
// seat, a resignation, a timeout), which must get the same answer too.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "games/connect_four.h"
#include "games/random.h"
#include "games/tictactoe.h"
#include "modules/lua_game.h"

namespace lobbyd::modules {
namespace {

using games::Json;

std::string read_module(const std::string& file) {
  std::ifstream in(std::string(LOBBYD_MODULES_DIR) + "/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<const LuaGame> load(const std::string& file) {
  auto g = LuaGame::load(read_module(file), 1);
  EXPECT_TRUE(g.ok()) << file << ": " << (g.ok() ? "" : g.error().reason);
  return g.ok() ? g.value() : nullptr;
}

Json without_name(Json j) {
  j.erase("game");
  return j;
}

std::string answer(const games::Expected<std::string>& r) {
  if (r) return "ok " + r.value();
  return std::string(games::code_name(r.error().code)) + " " + r.error().reason;
}

void same_state(const games::State& c, const games::State& lua, const std::string& where) {
  ASSERT_EQ(c.to_move(), lua.to_move()) << where;
  ASSERT_EQ(c.legal_moves(), lua.legal_moves()) << where;
  ASSERT_EQ(games::to_json(c.result()), games::to_json(lua.result())) << where;
  for (int seat = games::kSpectator; seat < c.seats(); ++seat) {
    ASSERT_EQ(without_name(c.view(seat)), without_name(lua.view(seat))) << where << " seat " << seat;
    // What tables send (view_text, written without a tree) is that view.
    ASSERT_EQ(Json::parse(c.view_text(seat)), c.view(seat)) << where << " seat " << seat;
    ASSERT_EQ(Json::parse(lua.view_text(seat)), lua.view(seat)) << where << " seat " << seat;
  }
}

// Texts a player might send that are not the next legal move.
std::string odd_move(games::Rng& rng, const games::State& c) {
  static const char* kOdd[] = {"", "x", "9", "0", "8", "c3", "A1", "d4", "12", " 3 ", "\x01",
                               "resign", "RESIGN", "1", "7", "b2", "héllo wörld, a move much longer than thirty-two bytes é"};
  std::vector<std::string> legal = c.legal_moves();
  if (!legal.empty() && rng.below(3) == 0) return legal[rng.below(legal.size())];
  return kOdd[rng.below(std::size(kOdd))];
}

void playouts(const games::Game& cpp, const games::Game& lua, int count) {
  for (int game_no = 0; game_no < count; ++game_no) {
    const std::uint64_t seed = 1000 + static_cast<std::uint64_t>(game_no);
    auto c = cpp.initial(seed, {}, 2);
    auto l = lua.initial(seed, {}, 2);
    ASSERT_TRUE(c.ok() && l.ok());
    games::State& cs = *c.value();
    games::State& ls = *l.value();
    games::Rng rng(seed);
    const std::string tag = std::string(cpp.name()) + " seed " + std::to_string(seed);
    same_state(cs, ls, tag + " start");
    for (int step = 0; step < 200 && !cs.result().over; ++step) {
      const std::string where = tag + " step " + std::to_string(step);
      const std::uint64_t roll = rng.below(20);
      if (roll == 0) {
        // The seat not to move, or a seat that does not exist.
        const int seat = rng.below(2) == 0 ? 1 - cs.to_move() : 2;
        const std::string move = odd_move(rng, cs);
        ASSERT_EQ(answer(cs.play(seat, move)), answer(ls.play(seat, move))) << where;
      } else if (roll == 1) {
        const std::string move = odd_move(rng, cs);
        ASSERT_EQ(answer(cs.play(cs.to_move(), move)), answer(ls.play(ls.to_move(), move)))
            << where << " '" << move << "'";
      } else if (roll == 2 && rng.below(10) == 0) {
        const int seat = static_cast<int>(rng.below(2));
        const auto why = rng.below(2) == 0 ? games::Forfeit::kResign : games::Forfeit::kTimeout;
        ASSERT_EQ(answer(cs.forfeit(seat, why)), answer(ls.forfeit(seat, why))) << where;
      } else {
        std::vector<std::string> legal = cs.legal_moves();
        ASSERT_FALSE(legal.empty()) << where;
        const std::string& move = legal[rng.below(legal.size())];
        const int seat = cs.to_move();
        ASSERT_EQ(answer(cs.play(seat, move)), answer(ls.play(seat, move))) << where;
      }
      same_state(cs, ls, where);
    }
    // Over: everything is refused alike.
    ASSERT_EQ(answer(cs.play(0, "1")), answer(ls.play(0, "1"))) << tag;
    ASSERT_FALSE(static_cast<const LuaState&>(ls).module_error().has_value()) << tag;
  }
}

TEST(Differential, TicTacToeLuaEqualsCpp) {
  auto lua = load("tictactoe.lua");
  ASSERT_TRUE(lua);
  playouts(games::tictactoe(), *lua, 3000);
}

TEST(Differential, ConnectFourLuaEqualsCpp) {
  auto lua = load("connect4.lua");
  ASSERT_TRUE(lua);
  playouts(games::connect_four(), *lua, 2000);
}

// Every module of modules/ (hidden information too: liars_dice), seeded
// random playouts: the text a table sends for each seat and the spectator
// is the view the tree path builds, and asking twice gives the same text.
TEST(Differential, ViewTextIsTheViewForEveryModule) {
  for (const char* file : {"tictactoe.lua", "connect4.lua", "liars_dice.lua"}) {
    SCOPED_TRACE(file);
    auto g = load(file);
    ASSERT_TRUE(g);
    for (int seats = g->min_seats(); seats <= std::min(g->max_seats(), 4); ++seats) {
      for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        auto st = g->initial(seed, {}, seats);
        ASSERT_TRUE(st.ok());
        games::State& s = *st.value();
        games::Rng rng(seed);
        for (int ply = 0; ply < 300 && !s.result().over; ++ply) {
          for (int seat = games::kSpectator; seat < seats; ++seat) {
            const std::string text = s.view_text(seat);
            ASSERT_EQ(Json::parse(text), s.view(seat)) << "seed " << seed << " ply " << ply << " seat " << seat;
            ASSERT_EQ(s.view_text(seat), text);
          }
          const auto legal = s.legal_moves();
          ASSERT_FALSE(legal.empty());
          ASSERT_TRUE(s.play(s.to_move(), legal[rng.below(legal.size())]).ok());
        }
      }
    }
  }
}

TEST(Differential, ReplayOfALuaLogRebuildsTheSameState) {
  auto lua = load("connect4.lua");
  ASSERT_TRUE(lua);
  auto s = lua->initial(7, {}, 2);
  ASSERT_TRUE(s.ok());
  std::vector<games::LoggedMove> log;
  games::Rng rng(7);
  while (!s.value()->result().over) {
    auto legal = s.value()->legal_moves();
    const int seat = s.value()->to_move();
    auto text = s.value()->play(seat, legal[rng.below(legal.size())]);
    ASSERT_TRUE(text.ok());
    log.push_back({seat, text.value()});
  }
  auto again = games::replay(*lua, 7, {}, 2, log);
  ASSERT_TRUE(again.ok()) << again.error().reason;
  EXPECT_EQ(again.value()->snapshot()["state"], s.value()->snapshot()["state"]);
  EXPECT_EQ(again.value()->view(games::kSpectator), s.value()->view(games::kSpectator));
  auto copy = s.value()->clone();
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->view(0), s.value()->view(0));
}

}  // namespace
}  // namespace lobbyd::modules
