#include "games/registry.h"

#include "games/connect_four.h"
#include "games/crazy_eights.h"
#include "games/reversi.h"
#include "games/text.h"
#include "games/tictactoe.h"

namespace lobbyd::games {
std::span<const Game* const> all_games() {
  // One line per game. A function-local static: safe to call during static
  // initialization of other files.
  static const Game* const games[] = {
      &tictactoe(),
      &connect_four(),
      &reversi(),
      &crazy_eights(),
  };
  return games;
}

const Game* find_game(std::string_view name) {
  for (const Game* game : all_games()) {
    if (iequals(game->name(), name)) return game;
    for (std::string_view alias : game->aliases()) {
      if (iequals(alias, name)) return game;
    }
  }
  return nullptr;
}

Expected<const Game*> lookup_game(std::string_view name) {
  if (const Game* game = find_game(name)) return game;
  std::string known;
  for (const Game* game : all_games()) {
    if (!known.empty()) known += ", ";
    known += game->name();
  }
  return Error{Code::kUnknownGame, "no game " + quoted(name) + " (games: " + known + ")"};
}

}  // namespace lobbyd::games
