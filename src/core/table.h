#pragma once
// Game tables (docs/protocol.md, "Game tables"). A table is a channel
// "&<id>" (a Lobby in the lobby table, for JOIN/PART/NAMES/PRIVMSG) plus the
// seats and the game state of src/games. The Table is the server side of
// it: the rules-flow is a TableFlow (table_flow.h, no I/O), the lines are
// table_wire.h's, the rows table_rows.h's, the timers TableTimers; the
// Table owns them, the seated sessions and the missed lines, calls the flow
// and executes the events it returns.
//
// Like a lobby, a table belongs to no worker: its state is guarded by its
// own mutex, and any worker locks it for a command. Lock order: table
// mutex, then the channel's lobby mutex (never the other way round); the
// missed-lines mutex is a leaf under either. Its timers live on the
// creator's worker: every timer operation is posted there (the Asio timers
// are touched on that thread only, checked by LOBBYD_ASSERT_IN_LOOP), and
// a timer handler locks the table.
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/lobby.h"
#include "core/table_flow.h"
#include "core/table_rows.h"
#include "core/table_timer.h"
#include "games/game.h"
#include "net/worker.h"
#include "store/rows.h"

namespace lobbyd::core {

class Server;
struct Settings;

class Table : public std::enable_shared_from_this<Table> {
 public:
  using Phase = TableFlow::Phase;
  // The creator id of a restored table (Session ids start at 1): a running
  // round needs no TABLE START.
  static constexpr std::uint64_t kNoCreator = kNoMember;

  // `game` is kept alive by the table: a module version stays loaded while
  // a table plays it, whatever newer version is published meanwhile.
  Table(Server& server, std::uint64_t id, std::string lobby, games::GamePtr game,
        games::TableSetup setup, std::uint64_t creator_id, LobbyPtr channel,
        net::Worker& timer_worker);

  std::uint64_t id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }    // "&<id>"
  const std::string& lobby() const noexcept { return lobby_; }  // "#lobby" (as created)
  const games::Game& game() const noexcept { return game_; }
  const LobbyPtr& channel() const noexcept { return channel_; }

  // "TABLE INFO &<id> <game> <seated>/<seats> <phase>" fields.
  struct Summary {
    int seated = 0, seats = 0;
    int held = 0;  // of the seated: seats held for a player who is away (resume)
    Phase phase = Phase::kWaiting;
  };
  Summary summary() const;

  // Commands. Each returns nullopt on success, else the refusal for the
  // FAIL line (the caller adds the command and the table name). `s` is the
  // caller's session; `nick` its current nick.
  Refusal sit(const SessionPtr& s, const std::string& nick);
  Refusal stand(const Session* s);
  Refusal start(const Session* s);
  Refusal move(const Session* s, const std::string& nick, std::string_view text);
  Refusal resign(const Session* s);
  Refusal rematch(const Session* s, const std::string& nick);
  // The session left the channel (PART) or disconnected: a seated player
  // forfeits a running game, or gives the seat up otherwise; a disconnected
  // player with an account keeps the seat for resume_grace_s (held).
  // `members_left`: the channel's member count after it left. Returns
  // false when the table is done (nobody there, no seat held): remove it.
  bool left(const Session* s, std::size_t members_left, bool disconnected);
  // A player logged in to an account whose seat is held: takes the seat
  // back, joins the channel, and gets the lines it missed and the state.
  // False if no seat is held for that account here, or if s has a seat
  // here already (one seat per connection).
  bool resume(const SessionPtr& s);
  bool holds_seat_for(const std::string& account) const;
  // Removes the table (and its channel) if nobody is there and no seat is
  // held: after a timer or a restore ended a game.
  void remove_if_done();
  // Sets up the channel's observer (missed lines); call once after creation.
  void attach();

  // After a restart: the unfinished round as the database logged it.
  using Saved = TableFlow::Saved;
  // Replays the moves and holds every seat (guests' seats are forfeited:
  // nobody can prove to be them). Returns an error text if the log does not
  // replay (the table is then dropped).
  std::string restore(const Saved& saved);
  // Sends the public state and the turn to a new spectator.
  void catch_up(const SessionPtr& s);
  // Closes the table and stops its timers (the table is being removed).
  void close();
  // The one close-the-table step: close(), then out of the table registry,
  // and its channel out of the lobby registry once empty. Not under mu_.
  void discard();

 private:
  // Lines a held seat missed, bounded; its own leaf mutex because the
  // channel's observer records them under the lobby's mutex.
  struct Missed {
    std::deque<net::SharedBuf> lines;
    std::size_t bytes = 0, dropped = 0;
  };

  // What the flow needs to know now; a seed only for calls that may start a round.
  TableFlow::Env env(const Settings& st, bool may_start) const;
  // Executes the flow's events, in order, under mu_. True if they closed the table.
  bool run_locked(const Events& events, const TableFlow::Env& env, const Settings& st);
  // The seated session of a seat, or null.
  SessionPtr session_at_locked(int seat) const;
  void send_states_locked(const Settings& st);
  void to_channel(std::string line) const;
  void on_turn_timer(std::uint64_t gen);
  void on_grace_timer(std::uint64_t gen);
  void move_committed(bool committed);
  void record_missed(const net::SharedBuf& line);
  // A command of a member: the flow call `f(env, events)` under mu_, then its events.
  template <class F>
  Refusal command(bool may_start, F&& f);
  // A timer's or a commit's call `f(env, events)` on the timer worker
  // (false: stale, nothing to do), then its events, then remove_if_done().
  template <class F>
  void on_timer_worker(F&& f);

  void module_failed();  // a game ended by OVER module_error: log, count, record

  Server& server_;
  const std::uint64_t id_;
  const std::string name_, lobby_;
  const games::GamePtr game_keep_;
  const games::Game& game_;
  const LobbyPtr channel_;
  net::Worker& timer_worker_;
  TableTimer turn_timer_;   // the turn's deadline
  TableTimer grace_timer_;  // the first held seat's end

  mutable std::mutex mu_;
  TableFlow flow_;                                      // guarded by mu_
  TableRows rows_;                                      // used under mu_ (rows in the flow's order)
  std::vector<std::pair<MemberId, SessionPtr>> seated_;  // guarded by mu_: the sessions of the flow's seats

  std::mutex missed_mu_;             // leaf: taken under mu_ or the channel's mutex
  std::map<int, Missed> missed_;     // by held seat
  std::atomic<bool> any_missed_{false};
};

using TablePtr = std::shared_ptr<Table>;

// The tables of the server, by id.
class TableRegistry {
 public:
  std::uint64_t next_id() { return next_.fetch_add(1, std::memory_order_relaxed); }
  void insert(TablePtr t);
  TablePtr find(std::string_view name) const;  // "&<id>"
  void erase(std::uint64_t id);
  std::vector<TablePtr> in_lobby(std::string_view lobby) const;  // by id
  std::vector<TablePtr> all() const;
  // Ids continue after the database's highest (restart).
  void continue_after(std::uint64_t id) {
    std::uint64_t want = id + 1, cur = next_.load();
    while (cur < want && !next_.compare_exchange_weak(cur, want)) {
    }
  }

  // Games that reached their end (any thread; for STATS and /metrics).
  std::uint64_t games_finished() const noexcept { return finished_.load(std::memory_order_relaxed); }
  void count_finished() noexcept { finished_.fetch_add(1, std::memory_order_relaxed); }
  // Games a game module's failure ended (OVER reason module_error).
  std::uint64_t module_failures() const noexcept { return module_failures_.load(std::memory_order_relaxed); }
  void count_module_failure() noexcept { module_failures_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> next_{1};
  std::atomic<std::uint64_t> finished_{0};
  std::atomic<std::uint64_t> module_failures_{0};
  mutable std::mutex mu_;
  std::map<std::uint64_t, TablePtr> map_;
};

// A session left a table channel (PART, JOIN 0, disconnect): the seat is
// given up or forfeited, and an empty table is removed. Call after the
// session was removed from the channel.
void table_channel_left(Server& server, const Session* s, const LobbyPtr& channel,
                        bool disconnected = false);
// A session joined a table channel: it gets the public state if a game runs.
void table_channel_joined(Server& server, const SessionPtr& s, const LobbyPtr& channel);
// A session just logged in (or registered logged in): takes back every seat
// held for its account. Owner thread of s.
void resume_tables(Server& server, const SessionPtr& s);

// Start-up, before the event loops run: restores the unfinished tables the
// database logged (store::Port::read_start_state). Returns how many.
std::size_t restore_tables(Server& server, const store::StartState& state);

}  // namespace lobbyd::core
