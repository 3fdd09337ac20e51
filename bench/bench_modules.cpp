// Game modules in Lua against the compiled-in games, side by side in one
// run (docs/benchmarks.md, "Game modules in Lua"): the rules alone, without
// the server. A "game" is what a table does per game: create the state,
// then for every move play it and build the view of both seats and the
// spectators (what a table sends after each move), until the game is over.
// Moves are drawn from a fixed-seed generator, the same for both builds.
//
//   bench_modules --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "games/connect_four.h"
#include "games/random.h"
#include "games/tictactoe.h"
#include "modules/lua_game.h"

namespace {

using namespace lobbyd;

std::shared_ptr<const modules::LuaGame> lua_game(const char* file) {
  std::ifstream in(std::string(LOBBYD_MODULES_DIR) + "/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  auto g = modules::LuaGame::load(ss.str(), 1);
  if (!g) throw std::runtime_error(g.error().reason);
  return g.value();
}

void play_games(benchmark::State& st, const games::Game& game) {
  games::Rng rng(1);
  std::uint64_t moves = 0, bytes = 0;
  for (auto _ : st) {
    auto s = game.initial(rng.next(), {}, 2).value();
    while (!s->result().over) {
      auto legal = s->legal_moves();
      auto done = s->play(s->to_move(), legal[rng.below(legal.size())]);
      benchmark::DoNotOptimize(done);
      for (int seat = games::kSpectator; seat < 2; ++seat) bytes += s->view(seat).dump().size();
      ++moves;
    }
  }
  st.counters["moves/s"] = benchmark::Counter(static_cast<double>(moves), benchmark::Counter::kIsRate);
  st.counters["view_bytes/move"] = static_cast<double>(bytes) / static_cast<double>(moves ? moves : 1);
}

void BM_ConnectFour_Cpp(benchmark::State& st) { play_games(st, games::connect_four()); }
void BM_ConnectFour_Lua(benchmark::State& st) {
  static auto g = lua_game("connect4.lua");
  play_games(st, *g);
}
void BM_TicTacToe_Cpp(benchmark::State& st) { play_games(st, games::tictactoe()); }
void BM_TicTacToe_Lua(benchmark::State& st) {
  static auto g = lua_game("tictactoe.lua");
  play_games(st, *g);
}

// A new table's state: for Lua a fresh sandboxed Lua state, the module
// compiled into it and init() run.
void BM_NewTable_ConnectFour_Lua(benchmark::State& st) {
  static auto g = lua_game("connect4.lua");
  std::size_t bytes = 0;
  for (auto _ : st) {
    auto s = g->initial(1, {}, 2).value();
    bytes = static_cast<const modules::LuaState&>(*s).memory_used();
    benchmark::DoNotOptimize(s);
  }
  st.counters["lua_bytes"] = static_cast<double>(bytes);
}

// Loading a module: compile, describe, self-check (two playouts per seat count).
void BM_LoadModule_ConnectFour(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(lua_game("connect4.lua"));
}

// One view of a game in progress (ten moves in): for Lua one call into the
// module and the conversion of its table to JSON.
void view_of(benchmark::State& st, const games::Game& game) {
  auto s = game.initial(1, {}, 2).value();
  for (const char* m : {"4", "4", "3", "5", "2", "1", "6", "7", "1", "2"}) (void)s->play(s->to_move(), m);
  for (auto _ : st) benchmark::DoNotOptimize(s->view(0));
}
void BM_View_ConnectFour_Cpp(benchmark::State& st) { view_of(st, games::connect_four()); }
void BM_View_ConnectFour_Lua(benchmark::State& st) {
  static auto g = lua_game("connect4.lua");
  view_of(st, *g);
}

BENCHMARK(BM_ConnectFour_Cpp);
BENCHMARK(BM_ConnectFour_Lua);
BENCHMARK(BM_TicTacToe_Cpp);
BENCHMARK(BM_TicTacToe_Lua);
BENCHMARK(BM_NewTable_ConnectFour_Lua);
BENCHMARK(BM_View_ConnectFour_Cpp);
BENCHMARK(BM_View_ConnectFour_Lua);
BENCHMARK(BM_LoadModule_ConnectFour)->Unit(benchmark::kMillisecond);

}  // namespace
