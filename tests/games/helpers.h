#pragma once
// Shared helpers of the game-rules tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "games/game.h"
#include "games/random.h"

namespace lobbyd::games::test {

// A fresh game; fails the test if the setup is refused.
inline std::unique_ptr<State> start(const Game& game, std::uint64_t seed = 1,
                                    const Options& options = {}, int seats = 0) {
  Expected<std::unique_ptr<State>> s =
      game.initial(seed, options, seats == 0 ? game.default_seats() : seats);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().reason);
  return s.ok() ? std::move(s).value() : nullptr;
}

// Plays the moves in order, each by the seat to move; returns false (and
// records a failure) at the first refused move.
inline bool play_all(State& state, std::initializer_list<std::string_view> moves) {
  for (std::string_view m : moves) {
    const int seat = state.to_move();
    Expected<std::string> r = state.play(seat, m);
    if (!r) {
      ADD_FAILURE() << "move '" << m << "' by seat " << seat << ": " << code_name(r.error().code)
                    << " " << r.error().reason;
      return false;
    }
  }
  return true;
}

// Leaf count of the move tree `depth` plies deep (bulk-counted at the last
// ply). A finished game is a leaf that is not counted.
inline std::uint64_t perft(const State& state, int depth) {
  const std::vector<std::string> moves = state.legal_moves();
  if (depth == 1) return moves.size();
  std::uint64_t n = 0;
  for (const std::string& m : moves) {
    std::unique_ptr<State> next = state.clone();
    EXPECT_TRUE(next->play(next->to_move(), m).ok()) << m;
    n += perft(*next, depth - 1);
  }
  return n;
}

inline std::string dump(const State& state) { return state.snapshot().dump(); }

// A random game (uniform over legal_moves()), as its move log. Stops when
// the game is over or after max_moves moves.
inline std::vector<LoggedMove> random_game(State& state, std::uint64_t bot_seed,
                                           int max_moves = 2000) {
  Rng bot(bot_seed);
  std::vector<LoggedMove> log;
  while (!state.result().over && static_cast<int>(log.size()) < max_moves) {
    const std::vector<std::string> moves = state.legal_moves();
    if (moves.empty()) {
      ADD_FAILURE() << "no legal move while the game is not over";
      break;
    }
    const int seat = state.to_move();
    Expected<std::string> r = state.play(seat, moves[bot.below(moves.size())]);
    if (!r) {
      ADD_FAILURE() << "a listed move was refused: " << r.error().reason;
      break;
    }
    log.push_back(LoggedMove{seat, r.value()});
  }
  return log;
}

}  // namespace lobbyd::games::test
