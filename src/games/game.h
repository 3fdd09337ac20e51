#pragma once
// The game-rules interface (docs/games.md). Pure rules: no sockets, no
// threads, no clock, no database. A table owns one State and serializes access
// to it; the library itself keeps no shared mutable data.
//
//   const Game&  rules of one game (stateless, one static instance per game)
//   State        one game in progress; changed only by play() and forfeit()
//
// A state is a pure, deterministic fold over its accepted moves:
//
//   state = fold(apply_logged, game.initial(seed, options, seats), log)
//
// where `log` holds {seat, text} for every accepted move, text being exactly
// what play()/forfeit() returned. replay() is that fold. Randomness (a card
// shuffle) comes only from the seed, through the library's own generator, so
// a replay gives the same state on every platform and compiler.
//
// Nothing here throws on bad input: errors are values (Error, Expected<T>).
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "base/json_writer.h"
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lobbyd::games {

using Json = nlohmann::json;

inline constexpr int kNoSeat = -1;     // "nobody": to_move() when over, Result::winner in a draw
inline constexpr int kSpectator = -1;  // view(kSpectator) is the public view

// Why a move or a setup was refused. code_name() gives the IRCv3 FAIL code,
// e.g. `FAIL MOVE ILLEGAL_MOVE &7 :that cell is taken`.
enum class Code : std::uint8_t {
  kBadSyntax,    // BAD_SYNTAX: the text is not a move of this game
  kIllegalMove,  // ILLEGAL_MOVE: a well-formed move the rules refuse now
  kNotYourTurn,  // NOT_YOUR_TURN
  kGameOver,     // GAME_OVER
  kNotSeated,    // NOT_SEATED: the seat number is not a player of this game
  kUnknownGame,  // UNKNOWN_GAME: no game of that name (registry)
  kBadOption,    // BAD_OPTION: a `key=value` option or the seat count is wrong
  kBadLog,       // BAD_LOG: replay() met a logged move that does not apply
  kModuleError,  // MODULE_ERROR: a game module (Lua) failed: an error, a budget, a bad value
};
std::string_view code_name(Code code) noexcept;

struct Error {
  Code code;
  std::string reason;  // one line for humans, no CR/LF
};

// A value or an Error (std::expected is C++23).
template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Expected(Error error) : v_(std::in_place_index<1>, std::move(error)) {}
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Validated creation options, `key=value` from `TABLE NEW <#lobby> <game>
// [key=value ...]`, without `seats` (that one is passed separately). Values
// are integers in their canonical decimal form.
using Options = std::map<std::string, std::string, std::less<>>;

// One integer option a game accepts (`seats` is common to all games).
struct OptionSpec {
  std::string_view key;
  int min;
  int max;
  std::string_view help;  // e.g. "cards dealt to each player (default: 7 for 2 players, else 5)"
};

// How a game ended (or that it has not).
struct Result {
  bool over = false;
  int winner = kNoSeat;  // when over and not a draw
  bool draw = false;
  // When over: "line", "board_full", "no_moves", "hand_empty", "resign", "timeout".
  std::string reason;
  std::vector<int> scores;  // one per seat, game-specific (docs/games.md)
};
Json to_json(const Result& result);
// The reason of a game a module's failure ended (docs/modules.md): over,
// nobody wins, unrated.
inline constexpr std::string_view kModuleErrorReason = "module_error";
// The result of a two-seat game that is won by one seat (1 point) or drawn
// (tic-tac-toe, connect four): `winner` kNoSeat when over means a draw.
Result win_or_draw(bool over, int winner, const std::string& reason);

// A logged move: what the server appends to the table's move log.
struct LoggedMove {
  int seat;
  std::string text;  // as returned by State::play() or State::forfeit()
};

enum class Forfeit : std::uint8_t { kResign, kTimeout };

class State;

class Game {
 public:
  virtual ~Game() = default;
  virtual std::string_view name() const = 0;                                // "reversi"
  virtual std::span<const std::string_view> aliases() const { return {}; }  // "othello"
  virtual int min_seats() const = 0;
  virtual int max_seats() const = 0;
  virtual int default_seats() const { return min_seats(); }
  virtual std::span<const OptionSpec> option_specs() const { return {}; }
  // A game module's version (docs/modules.md); 0 for a compiled-in game.
  virtual int version() const noexcept { return 0; }
  // What tables show and log: "reversi", or "connect4_lua@3" for a module.
  std::string label() const;

  // Checks seats and options, then makes the initial state. The seed is the
  // only source of randomness.
  Expected<std::unique_ptr<State>> initial(std::uint64_t seed, const Options& options,
                                           int seats) const;

 protected:
  // Called with checked seats and options. Only a game module can fail
  // here (its init raised: MODULE_ERROR); the compiled-in games cannot.
  virtual Expected<std::unique_ptr<State>> make_initial(std::uint64_t seed, const Options& options,
                                                        int seats) const = 0;
};

// How the server holds a game: a module version lives while a table plays
// it; a compiled-in game lives for the process (its pointer owns nothing).
using GamePtr = std::shared_ptr<const Game>;

// The keys of common_view(), sorted. A game's own view fields must not use
// them (a module's that do are dropped: the host's stay as they are).
inline constexpr std::string_view kCommonViewKeys[] = {"game", "last", "ply", "result", "seats", "to_move", "you"};

class State {
 public:
  virtual ~State() = default;
  virtual std::unique_ptr<State> clone() const = 0;

  const Game& game() const noexcept { return *game_; }
  int seats() const noexcept { return seats_; }
  int ply() const noexcept { return ply_; }  // accepted moves and forfeits so far

  // The seat to move, or kNoSeat when the game is over.
  virtual int to_move() const = 0;
  // Canonical texts of the legal moves of the seat to move (no "resign");
  // empty when the game is over. For bots and UIs.
  virtual std::vector<std::string> legal_moves() const = 0;
  virtual Result result() const = 0;
  // What `seat` may see; view(kSpectator) is the public view. Hidden
  // information of a seat never appears in another seat's view.
  virtual Json view(int seat) const = 0;
  // view(seat) as the JSON text a table sends. The default serialises
  // view(); a game that writes its text directly (base::JsonWriter,
  // write_common_view) saves building a JSON tree per seat per move, which
  // was the largest part of the server's own work per move (docs/benchmarks.md).
  virtual std::string view_text(int seat) const;
  // Everything, hidden information included (hands, deck order, generator).
  // For tests, debugging and determinism checks; never send it to a client.
  virtual Json snapshot() const = 0;

  // A player's move. "resign" (any case) forfeits and is accepted at any time,
  // in turn or not. On success returns the canonical text to log; on failure
  // nothing changed. Checks, in order: NOT_SEATED, GAME_OVER, NOT_YOUR_TURN,
  // then the game's BAD_SYNTAX / ILLEGAL_MOVE.
  Expected<std::string> play(int seat, std::string_view text);
  // The seat forfeits (a resignation, or the server's move timer ran out).
  // Returns the text to log: "resign" or "timeout".
  Expected<std::string> forfeit(int seat, Forfeit why);
  // Applies one logged move: "timeout" -> forfeit(seat, kTimeout), anything
  // else -> play(seat, text). What replay() folds with.
  Expected<std::string> apply_logged(int seat, std::string_view text);

 protected:
  State(const Game& game, int seats) : game_(&game), seats_(seats) {}
  State(const State&) = default;
  State& operator=(const State&) = default;

  // Called with 0 <= seat < seats(), the game not over, seat == to_move(),
  // and text != "resign". Must change nothing when it returns an Error.
  virtual Expected<std::string> apply_move(int seat, std::string_view text) = 0;
  // Called with a valid seat while the game is not over. Returns an Error
  // (ILLEGAL_MOVE) only if that seat cannot forfeit (already out).
  virtual Expected<std::string> apply_forfeit(int seat, Forfeit why) = 0;

  // Fields every view carries: game, seats, you, to_move, ply, last, result.
  Json common_view(int seat) const;
  // The same fields, written into an object open in `w`.
  void write_common_view(int seat, base::JsonWriter& w) const;
  // view() for a game that writes view_text(): that text, parsed, so that
  // the tree and the text can never disagree.
  Json view_from_text(int seat) const;

 private:
  const Game* game_;
  int seats_;
  int ply_ = 0;
  LoggedMove last_{kNoSeat, {}};
};

// Parses `key=value` arguments of TABLE NEW against the game's option specs;
// `seats=N` sets the seat count (default: game.default_seats()). Errors:
// BAD_OPTION with a reason naming the key and the allowed values.
struct TableSetup {
  int seats;
  Options options;
};
Expected<TableSetup> parse_setup(const Game& game, std::span<const std::string_view> args);
// Checks seats and options that parse_setup() made or a database gave back:
// nullopt when they are fine.
std::optional<Error> check_setup(const Game& game, const Options& options, int seats);
// "key=value key=value" (sorted by key), the form parse_setup() reads back.
std::string to_string(const Options& options);
// An integer option, or `fallback` when absent (options are checked already).
int option_int(const Options& options, std::string_view key, int fallback);

// Rebuilds a state from its move log: the fold in the comment at the top.
// BAD_LOG names the index of the first move that does not apply.
Expected<std::unique_ptr<State>> replay(const Game& game, std::uint64_t seed,
                                        const Options& options, int seats,
                                        std::span<const LoggedMove> moves);

}  // namespace lobbyd::games
