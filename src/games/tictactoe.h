#pragma once
// Tic-tac-toe: 2 seats, seat 0 (X) moves first. A move is a cell: 0-8 in
// reading order, or a1..c3 (column a-c left to right, row 1-3 top to
// bottom); the canonical, logged form is the digit. No options, no
// randomness. docs/games.md has the view and result fields.
//
//    a   b   c
// 1  0 | 1 | 2
// 2  3 | 4 | 5
// 3  6 | 7 | 8
#include "games/game.h"

namespace lobbyd::games {

const Game& tictactoe();

}  // namespace lobbyd::games
