#pragma once
// Connect four: 2 seats, seat 0 moves first, 7 columns by 6 rows. A move is
// a column 1-7 (left to right); the disc falls to the lowest empty row. Four
// of a seat's discs in a row, column or diagonal win; a full board is a draw.
// No options, no randomness. docs/games.md has the view and result fields.
#include "games/game.h"

namespace lobbyd::games {

const Game& connect_four();

}  // namespace lobbyd::games
