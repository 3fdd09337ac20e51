#pragma once
// The rules-flow of one game table: seats, rounds, turns, forfeits, held
// seats (resume) and restore - and nothing else. A plain class: no sessions,
// no server, no mutex, no timers, no I/O. Players are opaque member ids
// (Session::id() in the server; 0 = nobody), time and settings come in with
// each call (Env). Each command either refuses with a typed TableError and
// changes nothing, or changes the flow and appends what resulted to an
// Events list, in order: lines to announce, timers to arm or cancel, rows to
// persist. The server's Table (table.h) owns a TableFlow under its mutex and
// executes those events; unit tests read them directly
// (tests/core/table_flow_test.cpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "games/game.h"

namespace lobbyd::core {

using MemberId = std::uint64_t;  // 0: nobody
inline constexpr MemberId kNoMember = 0;

// Why a table command was refused: a table rule, or the game's own refusal
// (kGame, with game_code).
enum class TableCode : std::uint8_t {
  kNoSuchTable,      // NO_SUCH_TABLE: the table is closed
  kAlreadySeated,    // ALREADY_SEATED
  kTableFull,        // TABLE_FULL
  kGameStarted,      // GAME_STARTED
  kNotCreator,       // NOT_CREATOR
  kNotEnoughPlayers, // NOT_ENOUGH_PLAYERS
  kNotStarted,       // NOT_STARTED
  kGameNotOver,      // GAME_NOT_OVER
  kGame,             // games::code_name(game_code)
};

struct TableError {
  TableCode code;
  games::Code game_code = games::Code::kIllegalMove;  // when code == kGame
  std::string reason;
  // The IRCv3 FAIL code, e.g. "TABLE_FULL" or "ILLEGAL_MOVE".
  std::string_view code_name() const noexcept;
};
using Refusal = std::optional<TableError>;  // nullopt: accepted

// What a call resulted in. The executor may read the flow (views, nicks)
// while it handles them: they are handled before the next call.
namespace ev {
struct Seated { int seat; std::string nick; };    // TABLE SEATED
struct Stood { std::string nick; };               // TABLE STOOD
struct Started {};                                // GAME START (round(), players, options)
struct States {};                                 // GAME STATE: each seat's view, the public one to spectators
struct Turn { int seat; std::int64_t deadline_ms; };  // GAME TURN; arm the turn timer for deadline_ms
struct CancelTurn {};                             // the turn timer must not fire (any pending firing is void)
struct TimedOut { std::string nick; };            // GAME TIMEOUT
struct Rematch { std::string nick; };             // GAME REMATCH
struct RecordMissed { int seat; };                // start recording what a held seat misses
struct DropMissed { int seat; };                  // stop recording for it, forget what it missed
struct ClearMissed {};                            // the same for every seat
struct Away { int seat; std::string nick; std::int64_t until_ms; };  // TABLE AWAY
struct Gone { int seat; std::string nick; };      // TABLE GONE (the seat then forfeits)
struct ArmGrace { std::int64_t first_ms; };       // grace timer for the first held seat's end; 0: cancel
struct PersistRound {};                           // the game_tables row of this round (replaced)
struct PersistMove { int seat; int ply; std::string nick, text; bool durable; };  // a table_moves row
// The game ended: players and accounts as they were seated (seats of
// players who left are freed right after). Count it, rate it, announce
// GAME OVER, persist the result.
struct Over { games::Result result; std::vector<std::string> nicks, accounts; };
struct Closed {};                                 // nobody is left: remove the table, stop its timers
}  // namespace ev

using TableEvent = std::variant<ev::Seated, ev::Stood, ev::Started, ev::States, ev::Turn, ev::CancelTurn,
                                ev::TimedOut, ev::Rematch, ev::RecordMissed, ev::DropMissed,
                                ev::ClearMissed, ev::Away, ev::Gone, ev::ArmGrace, ev::PersistRound,
                                ev::PersistMove, ev::Over, ev::Closed>;
using Events = std::vector<TableEvent>;

class TableFlow {
 public:
  enum class Phase { kWaiting, kPlaying, kOver };

  // What the server knows at the time of a call.
  struct Env {
    std::int64_t now_ms = 0;        // unix ms
    std::uint32_t turn_timeout_s = 0;
    std::uint32_t resume_grace_s = 0;
    bool durable_moves = false;     // announce a move once its row is committed (move_committed())
    bool shutting_down = false;     // a disconnect holds the seat silently: a restart restores the table
    std::uint64_t seed = 0;         // for a round that starts in this call (53 bits, unpredictable)
  };

  struct Seat {
    MemberId member = kNoMember;  // kNoMember: free, or its player left or is away
    std::string nick;
    bool rematch = false;
    std::string account;  // "" for guests
    bool held = false;    // away: disconnected, seat kept until held_until_ms
    std::int64_t held_until_ms = 0;
  };

  // The unfinished round as the database logged it (restart).
  struct Saved {
    std::uint64_t seed = 0;
    int round = 1;
    std::int64_t started_at = 0;
    std::vector<std::pair<std::string, std::string>> players;  // {nick, account} per seat
    std::vector<games::LoggedMove> moves;
  };

  // `name` ("&<id>") appears in refusals; `creator` may start the table
  // (kNoMember for a restored one).
  TableFlow(std::string name, const games::Game& game, games::TableSetup setup, MemberId creator);

  // Commands of a member.
  Refusal sit(MemberId m, const std::string& nick, const std::string& account, const Env& env, Events& out);
  Refusal stand(MemberId m, Events& out);
  Refusal start(MemberId m, const Env& env, Events& out);
  Refusal move(MemberId m, const std::string& nick, std::string_view text, const Env& env, Events& out);
  Refusal resign(MemberId m, const Env& env, Events& out);
  Refusal rematch(MemberId m, const std::string& nick, const Env& env, Events& out);
  // The member left the channel or disconnected; members_left: who is still
  // there. A seated player forfeits a running game (or its seat is held, for
  // an account's disconnect), or gives the seat up. Returns false (with
  // ev::Closed) when the table is done.
  bool left(MemberId m, std::size_t members_left, bool disconnected, const Env& env, Events& out);
  // A member logged in to `account`: takes back the seat held for it.
  // Returns the seat, or -1 (none held, not playing, or m is seated here).
  int resume(MemberId m, const std::string& nick, const std::string& account, Events& out);
  // Timers (the server checks that the firing is still current).
  void turn_timed_out(const Env& env, Events& out);
  void grace_expired(const Env& env, Events& out);
  // A durable move's row was written (or lost): the announcement goes out
  // once none is pending.
  void move_committed(const Env& env, Events& out);
  // Replays a saved round and holds every seat (guests forfeit). Returns an
  // error text if the log does not replay.
  std::string restore(const Saved& saved, const Env& env, Events& out);
  // Closes the table if nobody is there and no running game holds a seat.
  bool close_if_done(std::size_t members, Events& out);
  void module_broke(Events& out);  // after a refusal: ends a game whose module failed
  void close(Events& out);  // unconditionally (ev::Closed)

  // Reading (the executor, summaries, catch-up).
  const std::string& name() const noexcept { return name_; }
  const games::Game& game() const noexcept { return game_; }
  const games::Options& options() const noexcept { return setup_.options; }
  Phase phase() const noexcept { return phase_; }
  bool closed() const noexcept { return closed_; }
  const std::vector<Seat>& seats() const noexcept { return seats_; }
  int seat_of(MemberId m) const noexcept;
  int seated() const noexcept;  // taken or held
  int held() const noexcept;
  bool holds_seat_for(const std::string& account) const noexcept;
  const games::State* state() const noexcept { return state_.get(); }
  std::uint64_t seed() const noexcept { return seed_; }
  int round() const noexcept { return round_; }
  std::int64_t started_at() const noexcept { return started_at_; }  // unix s
  std::int64_t deadline_ms() const noexcept { return deadline_ms_; }
  const std::vector<games::LoggedMove>& moves() const noexcept { return moves_; }

 private:
  TableError not_seated() const;
  void start_round(const Env& env, Events& out);
  void turn(const Env& env, Events& out);
  void after_move(const Env& env, Events& out);
  void finish(Events& out);
  void log_move(int seat, const std::string& text, bool durable, Events& out);
  void played(int seat, const std::string& logged, const Env& env, Events& out);
  // The one hold-a-seat step (disconnect, restart, restore).
  void hold(int seat, const Env& env, std::uint32_t grace_s);
  void arm_grace(Events& out) const;
  bool any_held() const noexcept { return held() > 0; }

  const std::string name_;
  const games::Game& game_;
  games::TableSetup setup_;
  const MemberId creator_;
  std::vector<Seat> seats_;
  Phase phase_ = Phase::kWaiting;
  bool closed_ = false;
  std::unique_ptr<games::State> state_;
  std::uint64_t seed_ = 0;
  int round_ = 0;
  std::int64_t started_at_ = 0;
  std::vector<games::LoggedMove> moves_;
  int commits_pending_ = 0;   // durable moves logged, not yet announced
  std::int64_t deadline_ms_ = 0;  // the current turn's, unix ms
};

}  // namespace lobbyd::core
