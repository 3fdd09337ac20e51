#pragma once
// Crazy eights: 2-4 seats, one standard 52-card deck shuffled by the seed.
// Hidden information: each seat sees its own hand only. Rules in full, with
// the view fields, in docs/games.md; in short:
//
//   Deal `hand` cards each (option hand=1..10; default 7 with 2 seats, else
//   5), turn the next card as the starter (an 8 too; its suit is the current
//   suit). Seat 0 starts, then seat+1, skipping seats that forfeited.
//   On your turn:
//     play <card> [suit]  a card of the current suit or the top card's rank,
//                         or any 8; an 8 names the next suit (default: its
//                         own). Emptying your hand wins.
//     draw                take one card; at most once per turn. When the draw
//                         pile is empty, the discards except the top card are
//                         shuffled (by the game's seeded generator) into a new
//                         draw pile first. Not possible when both are empty.
//     pass                only with no playable card, and only after drawing
//                         this turn or when nothing can be drawn.
//   After a draw you must play if you can, else pass. The game cannot block:
//   when nothing can be drawn, the 51 cards under the top card are all in
//   hands, among them at least three 8s, and an 8 is always playable.
//   A seat that forfeits is out: its hand goes under the draw pile; when one
//   seat is left, it wins. The winner scores the points left in the other
//   hands: 8 = 50, K Q J T = 10, A = 1, others their value.
//
// Cards are rank 2-9 T J Q K A and suit C D H S: "8H", "TS" ("10S" is read
// as "TS"), case-insensitive. Canonical logged moves: "play 5H", "play 8H S"
// (an 8 always with its suit), "draw", "pass".
#include "games/game.h"

namespace lobbyd::games {

const Game& crazy_eights();

}  // namespace lobbyd::games
