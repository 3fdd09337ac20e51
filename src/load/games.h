#pragma once
// The games scenario's logic that needs no sockets (tested in tests/load):
// which games a run plays, what a bot reads from its GAME STATE view, how it
// picks a move, the game counts, and the verdict on the game_results rows.
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace lobbyd::load {

// The games the scenario knows, in a fixed order (their index is used for the
// per-game counts). Names are the server's canonical names (docs/games.md):
// the compiled-in games first, then the repository's Lua ports (modules/,
// docs/modules.md), which the server has only when they are loaded (e.g.
// lobbyd --modules modules); "mix" is the compiled-in games.
inline constexpr std::array<std::string_view, 6> kGameNames = {"tictactoe",   "connect4",     "reversi",
                                                               "crazyeights", "tictactoe_lua", "connect4_lua"};
inline constexpr std::size_t kCompiledInGames = 4;
std::optional<std::size_t> game_index(std::string_view name) noexcept;

// Reads --game: one name, a comma-separated list, or "mix" (the four compiled-in games).
// Checks each against --seats (only crazyeights seats 3 or 4 players).
// Returns an error text, or empty with the game indexes in `out`.
std::string parse_game_list(std::string_view spec, std::uint32_t seats, std::vector<std::size_t>& out);

// The `TABLE NEW` line's arguments after the lobby: "<game>[ seats=N]".
std::string table_new_args(std::size_t game, std::uint32_t seats);

// What a bot needs from its own view (the JSON of `GAME &id STATE`).
struct GameView {
  int you = -1;       // -1: the public view (null)
  int to_move = -1;   // -1: nobody (null: over)
  std::uint64_t ply = 0;
  bool over = false;
  std::vector<std::string> legal;  // absent in a crazy eights view of a seat not to move
  bool my_turn() const noexcept { return !over && you >= 0 && to_move == you; }
};

// Parses a view; returns an error text (empty on success).
std::string parse_view(std::string_view json, GameView& out);

// A uniformly random legal move, skipping moves in `refused` (moves the server
// already turned down this turn); nullopt when nothing is left.
std::optional<std::string> choose_move(const GameView& v, std::mt19937_64& rng,
                                       const std::vector<std::string>& refused = {});

// Game counts shared by every bot of the run (any thread).
struct GameCounts {
  struct PerGame {
    std::atomic<std::uint64_t> started{0}, finished{0}, moves{0};
  };
  std::array<PerGame, kGameNames.size()> by_game;
  std::atomic<std::uint64_t> tables_created{0};
  std::atomic<std::uint64_t> draws{0}, forfeits{0};  // finished games ending so (resign, timeout)
  std::atomic<std::uint64_t> failed_moves{0};        // FAIL MOVE replies
  std::atomic<std::uint64_t> turn_timeouts{0};       // GAME TIMEOUT lines (once per table)
  std::atomic<std::uint64_t> table_errors{0};        // FAIL TABLE, or a broken table
  std::atomic<std::uint64_t> view_errors{0};         // unreadable view, no legal move on our turn
  std::atomic<std::uint64_t> claimed{0};             // games allowed to start (--games bound)

  std::uint64_t started() const noexcept;
  std::uint64_t finished() const noexcept;
  std::uint64_t moves() const noexcept;
  // Takes one game from the --games budget (0: unbounded); false when spent.
  bool claim(std::uint64_t limit) noexcept;
};

// The game_results check: rows of this run's players counted before and after.
struct ResultsCheck {
  bool enabled = false;
  std::string url;            // redacted
  std::uint64_t before = 0, after = 0;          // rows whose players carry our nick prefix
  std::uint64_t total_before = 0, total_after = 0;  // all rows
  std::uint64_t expected = 0;  // games that started in this run
  double waited_s = 0;
  std::string error;           // the database could not be read
  std::uint64_t found() const noexcept { return after >= before ? after - before : 0; }
};

// Why the check fails, or empty when the rows are as expected.
std::string judge_results(const ResultsCheck& c);

// SQL LIKE pattern matching a JSON players list that holds a nick with this
// prefix: %"<prefix>% with LIKE's wildcards escaped by '!'.
std::string players_like_pattern(std::string_view nick_prefix);

}  // namespace lobbyd::load
