#pragma once
// Game tables (docs/protocol.md, "Game tables"). A table is a channel
// "&<id>" (a Lobby in the lobby table, for JOIN/PART/NAMES/PRIVMSG) plus the
// seats and the game state of src/games. Like a lobby, a table belongs to no
// worker: its state is guarded by its own mutex, and any worker locks it for
// a command. Lock order: table mutex, then the channel's lobby mutex (never
// the other way round). Its turn timer lives on the creator's worker: every
// timer operation is posted there, and the timer handler locks the table.
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/lobby.h"
#include "games/game.h"
#include "net/worker.h"

namespace lobbyd::core {

class Server;

class Table : public std::enable_shared_from_this<Table> {
 public:
  enum class Phase { kWaiting, kPlaying, kOver };

  Table(Server& server, std::uint64_t id, std::string lobby, const games::Game& game,
        games::TableSetup setup, const Session* creator, LobbyPtr channel,
        net::Worker& timer_worker);

  std::uint64_t id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }    // "&<id>"
  const std::string& lobby() const noexcept { return lobby_; }  // "#lobby" (as created)
  const games::Game& game() const noexcept { return game_; }
  const LobbyPtr& channel() const noexcept { return channel_; }

  // "TABLE INFO &<id> <game> <seated>/<seats> <phase>" fields.
  struct Summary {
    int seated = 0, seats = 0;
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
  // forfeits a running game, or gives the seat up otherwise. `members_left`:
  // the channel's member count after it left; 0 closes the table.
  void left(const Session* s, std::size_t members_left);
  // Sends the public state and the turn to a new spectator.
  void catch_up(const SessionPtr& s);
  // Stops the timer (the table is being removed).
  void close();

 private:
  struct Seat {
    SessionPtr session;  // null: free (or its player left)
    std::string nick;
    bool rematch = false;
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
  void write_move_locked(int seat, const std::string& text);

  Server& server_;
  const std::uint64_t id_;
  const std::string name_, lobby_;
  const games::Game& game_;
  const Session* const creator_;  // identity only (TABLE START), never dereferenced
  const LobbyPtr channel_;
  net::Worker& timer_worker_;
  boost::asio::steady_timer timer_;  // timer_worker_'s thread only

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
  std::uint64_t timer_gen_ = 0;      // bumped whenever the turn changes
  std::int64_t deadline_ms_ = 0;     // unix ms of the current turn's deadline
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
void table_channel_left(Server& server, const Session* s, const LobbyPtr& channel);
// A session joined a table channel: it gets the public state if a game runs.
void table_channel_joined(Server& server, const SessionPtr& s, const LobbyPtr& channel);

}  // namespace lobbyd::core
