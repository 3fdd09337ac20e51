// libFuzzer target for the game move parsers (src/games, docs/games.md).
//
// Input: the first byte picks the game (low 2 bits, in all_games() order) and
// the seat count (the rest, folded into the game's range); the remainder is
// split on '\n' into move texts. A text starting with '@<digit>' is played by
// that seat (to reach NOT_YOUR_TURN / NOT_SEATED); "!t" / "!r" forfeit the
// seat to move (timeout / resign). Everything else is played by the seat to
// move. Invariants, checked with __builtin_trap():
//   - play()/forfeit() never crash and change nothing when they refuse;
//   - every accepted text, applied to a parallel replay state through
//     apply_logged() (the fold replay() uses), rebuilds the same views
//     (every seat and the spectator) and snapshot;
//   - the first move legal_moves() lists is accepted by a copy of the state.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "games/game.h"
#include "games/registry.h"

namespace g = lobbyd::games;

namespace {

constexpr std::uint64_t kSeed = 0x5eed'f022'0013ULL;
constexpr std::size_t kMaxMoves = 400;  // keeps each input fast

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_views_equal(const g::State& a, const g::State& b) {
  check(a.snapshot() == b.snapshot());
  check(a.view(g::kSpectator) == b.view(g::kSpectator));
  for (int seat = 0; seat < a.seats(); ++seat) check(a.view(seat) == b.view(seat));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto games = g::all_games();
  const g::Game& game = *games[data[0] % games.size()];
  const int span = game.max_seats() - game.min_seats() + 1;
  const int seats = game.min_seats() + (data[0] / 4) % span;

  g::Expected<std::unique_ptr<g::State>> made = game.initial(kSeed, {}, seats);
  check(made.ok());  // default options and an in-range seat count
  std::unique_ptr<g::State> state = std::move(made.value());
  g::Expected<std::unique_ptr<g::State>> fresh = game.initial(kSeed, {}, seats);
  check(fresh.ok());
  std::unique_ptr<g::State> replayed = std::move(fresh.value());
  std::vector<g::LoggedMove> log;

  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (std::size_t n = 0; n < kMaxMoves && !rest.empty(); ++n) {
    const std::size_t nl = rest.find('\n');
    std::string_view text = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);

    const int mover = state->to_move();
    check(mover == g::kNoSeat || (mover >= 0 && mover < state->seats()));
    const int ply_before = state->ply();
    const nlohmann::json before = state->snapshot();

    int seat = mover == g::kNoSeat ? 0 : mover;
    g::Expected<std::string> r = g::Error{g::Code::kBadSyntax, {}};
    if (text.size() >= 2 && text[0] == '!') {
      r = state->forfeit(seat, text[1] == 't' ? g::Forfeit::kTimeout : g::Forfeit::kResign);
    } else {
      if (text.size() >= 2 && text[0] == '@') {
        seat = text[1] - '0';  // may be out of range on purpose (NOT_SEATED)
        text.remove_prefix(2);
      }
      r = state->play(seat, text);
    }

    if (!r.ok()) {
      // A refusal changes nothing, and its reason is one line of printable text.
      check(state->ply() == ply_before);
      check(state->snapshot() == before);
      for (char c : r.error().reason) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
      continue;
    }
    check(state->ply() == ply_before + 1);
    log.push_back({seat, r.value()});

    // The logged text must rebuild the same state through the replay fold.
    g::Expected<std::string> again = replayed->apply_logged(seat, r.value());
    check(again.ok());
    check(again.value() == r.value());  // canonical text is a fixed point
    check_views_equal(*state, *replayed);

    // The first listed legal move is accepted (on a copy, so the input's own
    // sequence continues undisturbed).
    const std::vector<std::string> legal = state->legal_moves();
    const g::Result result = state->result();
    check(legal.empty() || !result.over);
    if (!legal.empty()) {
      std::unique_ptr<g::State> copy = state->clone();
      check(copy->play(state->to_move(), legal.front()).ok());
    }
  }

  // The whole log replays too (replay() is the fold the server uses on restart).
  if (!log.empty()) {
    g::Expected<std::unique_ptr<g::State>> whole = g::replay(game, kSeed, {}, seats, log);
    check(whole.ok());
    check_views_equal(*state, *whole.value());
  }
  return 0;
}
