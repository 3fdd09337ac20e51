#pragma once
// Reversi (Othello): 2 seats on 8x8, seat 0 is black and moves first. A move
// is a square a1..h8 (column a-h left to right, row 1-8 top to bottom, as in
// Othello notation); the canonical, logged form is lower case. The start
// position has white on d4 and e5, black on d5 and e4 (black may open d3,
// c4, f5 or e6).
//
// Passing is automatic: when the seat whose turn is next has no legal move,
// the turn stays with the other seat (the view's "passed" names the skipped
// seat); there is no pass move. When neither seat can move the game ends:
// reason "board_full" if no square is empty, else "no_moves". More discs
// wins; equal counts are a draw; scores are the disc counts.
#include "games/game.h"

namespace lobbyd::games {

const Game& reversi();

}  // namespace lobbyd::games
