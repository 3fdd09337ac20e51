#pragma once
// The list of games a table can play: `TABLE NEW <#lobby> <game> [key=value ...]`.
// Adding a game: write src/games/<game>.h/.cpp (a `const Game& <game>();`
// factory), add the .cpp to src/games/CMakeLists.txt and one line to the list
// in all_games() (registry.cpp). docs/games.md walks through it.
#include <span>
#include <string_view>

#include "games/game.h"

namespace lobbyd::games {

// Every game, in a fixed order (for help texts and listings).
std::span<const Game* const> all_games();

// The game with this name or alias, compared without case; nullptr if none.
const Game* find_game(std::string_view name);

// find_game() as a value: UNKNOWN_GAME names the known games.
Expected<const Game*> lookup_game(std::string_view name);

}  // namespace lobbyd::games
