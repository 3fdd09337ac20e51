#pragma once
// Game tables (docs/protocol.md, "Game tables"). A table is a channel
// "&<id>" (a Lobby in the lobby table, for JOIN/PART/NAMES/PRIVMSG) plus the
// seats and the game state of src/games. Like a lobby, a table belongs to no
// worker: its state is guarded by its own mutex, and any worker locks it for
// a command. Lock order: table mutex, then the channel's lobby mutex (never
// the other way round). Its turn timer lives on the creator's worker: every
// timer operation is posted there (timer_ and grace_timer_ are touched on
// that thread only, checked by LOBBYD_ASSERT_IN_LOOP), and the timer handler
// locks the table.
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/lobby.h"
#include "games/game.h"
#include "net/worker.h"
#include "store/rows.h"

namespace lobbyd::core {

class Server;

class Table : public std::enable_shared_from_this<Table> {
 public:
  enum class Phase { kWaiting, kPlaying, kOver };
  // The creator id of a restored table (Session ids start at 1): a running
  // round needs no TABLE START.
  static constexpr std::uint64_t kNoCreator = 0;

  Table(Server& server, std::uint64_t id, std::string lobby, const games::Game& game,
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

  // Commands. Each returns an empty string on success, else
  // "<CODE> :<reason>" for the FAIL line (the caller adds the command and
  // the table name). `s` is the caller's session; `nick` its current nick.
  std::string sit(const SessionPtr& s, const std::string& nick);
  std::string stand(const Session* s);
  std::string start(const Session* s);
  std::string move(const Session* s, const std::string& nick, std::string_view text);
  std::string resign(const Session* s);
  std::string rematch(const Session* s, const std::string& nick);
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
  struct Saved {
    std::uint64_t seed = 0;
    int round = 1;
    std::int64_t started_at = 0;
    std::vector<std::pair<std::string, std::string>> players;  // {nick, account} per seat
    std::vector<games::LoggedMove> moves;
  };
  // Replays the moves and holds every seat (guests' seats are forfeited:
  // nobody can prove to be them). Returns an error text if the log does not
  // replay (the table is then dropped).
  std::string restore(const Saved& saved);
  // Sends the public state and the turn to a new spectator.
  void catch_up(const SessionPtr& s);
  // Stops the timer (the table is being removed).
  void close();

 private:
  struct Seat {
    SessionPtr session;  // null: free, or its player left or is away
    std::string nick;
    bool rematch = false;
    std::string account;          // "" for guests
    bool held = false;            // away: disconnected, seat kept until held_until_ms
    std::int64_t held_until_ms = 0;
  };
  // Lines a held seat missed, bounded; its own leaf mutex because the
  // channel's observer records them under the lobby's mutex.
  struct Missed {
    std::deque<net::SharedBuf> lines;
    std::size_t bytes = 0, dropped = 0;
  };

  int seat_of_locked(const Session* s) const;
  int seated_locked() const;
  void start_locked();
  void after_move_locked();
  void finish_locked();
  void send_states_locked();
  void send_turn_locked();
  void arm_timer_locked();
  void on_timer(std::uint64_t gen);
  void to_channel(const std::string& line) const;
  std::string server_line(std::string_view rest) const;
  // "GAME <table> <verb> :<json>", in MORE parts when it is too long for a line.
  std::string game_json_line(std::string_view verb, const std::string& json) const;
  // Appends to the move log and queues its row. With `durable`, the row
  // carries a commit callback that calls move_committed() on timer_worker_.
  void write_move_locked(int seat, const std::string& text, bool durable = false);
  // A player's move or resignation: logged, then announced (state, turn) at
  // once, or - with the durable_moves setting - once its row is committed.
  void played_locked(int seat, const std::string& logged);
  void move_committed(bool committed);
  void hold_locked(int seat);
  void arm_grace_locked();
  void on_grace(std::uint64_t gen);
  void record_missed(const net::SharedBuf& line);
  bool any_held_locked() const;
  void write_table_row_locked();

  Server& server_;
  const std::uint64_t id_;
  const std::string name_, lobby_;
  const games::Game& game_;
  // Session::id() of the creator (TABLE START). Not its address: a session
  // created after the creator quit may be allocated at the same address.
  const std::uint64_t creator_id_;
  const LobbyPtr channel_;
  net::Worker& timer_worker_;
  boost::asio::steady_timer timer_;  // timer_worker_'s thread only
  boost::asio::steady_timer grace_timer_;  // same

  mutable std::mutex mu_;
  games::TableSetup setup_;          // guarded by mu_
  std::vector<Seat> seats_;
  Phase phase_ = Phase::kWaiting;
  bool closed_ = false;
  std::unique_ptr<games::State> state_;
  std::uint64_t seed_ = 0;
  int round_ = 0;
  std::int64_t started_at_ = 0;
  std::vector<games::LoggedMove> moves_;
  int commits_pending_ = 0;          // durable moves logged, not yet announced
  std::uint64_t timer_gen_ = 0;      // bumped whenever the turn changes
  std::int64_t deadline_ms_ = 0;     // unix ms of the current turn's deadline
  std::uint64_t grace_gen_ = 0;

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

 private:
  std::atomic<std::uint64_t> next_{1};
  std::atomic<std::uint64_t> finished_{0};
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
