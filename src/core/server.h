#pragma once
// The server's shared state: settings, the nick and lobby tables, admission
// limits, and one Shard of loop-local state per worker. Created once at
// start-up; outlives every session.
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/internal_error.h"
#include "core/address_limits.h"
#include "core/ban_list.h"
#include "core/game_catalog.h"
#include "core/registry.h"
#include "core/settings.h"
#include "core/stats.h"
#include "net/transport.h"
#include "net/worker.h"
#include "store/port.h"

namespace lobbyd::core {

class TableRegistry;
class RatingBook;
class Session;
using SessionPtr = std::shared_ptr<Session>;

// State that belongs to one worker and is used only on its thread.
struct Shard {
  net::Worker* worker = nullptr;
  SettingsPtr settings;          // this worker's snapshot
  std::uint64_t settings_version = 0;
  std::string line;              // scratch for formatting replies
  // The worker's sessions, each from its construction to its on_closed():
  // what the operator's actions (shutdown, bans, notices) walk. Kept here,
  // typed, rather than casting the worker's connections to Session.
  std::list<Session*> sessions;
  // f(Session&) for each; f may close (and so unlist) the session it gets.
  template <class F>
  void for_each_session(F&& f) {
    LOBBYD_ASSERT_IN_LOOP(*worker);
    for (auto it = sessions.begin(); it != sessions.end();) {
      auto cur = it++;
      f(**cur);
    }
  }
};

class Server {
 public:
  Server(SettingsPtr settings, std::vector<net::Worker*> workers);
  ~Server();

  SettingsHolder& settings_holder() noexcept { return settings_; }
  // The games tables can play (compiled-in and modules): a snapshot.
  CatalogPtr catalog() const { return catalog_.get(); }
  CatalogHolder& catalog_holder() noexcept { return catalog_; }
  NickRegistry& nicks() noexcept { return nicks_; }
  LobbyRegistry& lobbies() noexcept { return lobbies_; }
  TableRegistry& tables() noexcept { return *tables_; }
  const std::vector<net::Worker*>& workers() const noexcept { return workers_; }
  Shard& shard(const net::Worker& w) noexcept { return shards_[w.index()]; }
  std::int64_t started_at() const noexcept { return started_at_; }

  // Listener factory: runs on worker w's thread; admits or refuses the socket.
  // With a transport (TLS, WebSocket) the session speaks through it.
  void accept(net::Worker& w, boost::asio::ip::tcp::socket socket,
              const boost::asio::ip::tcp::endpoint& peer, const net::TransportMaker& transport = {});
  // A session completed registration / its connection ended (any worker
  // thread): the per-address counts (core/address_limits.h).
  void address_registered(const std::string& key) { address_limits_.registered(key); }
  void release_ip(const std::string& key, bool was_registered);
  const AddressLimits& address_limits() const noexcept { return address_limits_; }
  std::uint64_t address_refusals() const noexcept { return address_refusals_.load(std::memory_order_relaxed); }

  // Creates the configured lobbies (start-up).
  void load_lobbies(const std::vector<LobbyConfig>& lobbies);

  // Runs slow work (password hashing, files) on a side thread, then
  // `done(result)` on worker w's thread. The event loops never wait for it.
  // Should `work` throw, the error is counted (where="blocking") and `done`
  // gets a value-initialised result (false, "", ...), which every caller
  // treats as a failure: whoever waits is answered, never left hanging.
  template <class Work, class Done>
  void run_blocking(net::Worker& w, Work work, Done done) {
    blocking_in_flight_.fetch_add(1, std::memory_order_relaxed);
    boost::asio::post(blocking_, [this, &w, work = std::move(work), done = std::move(done)]() mutable {
      decltype(work()) result{};
      try {
        base::fault_point(base::Where::kBlocking);
        result = work();
      } catch (...) {
        base::internal_error(base::Where::kBlocking, std::current_exception());
      }
      w.post([&w, done = std::move(done), result = std::move(result)]() mutable {
        net::Worker::BusyScope busy(w);
        done(std::move(result));
        w.flush_now();
      });
      blocking_in_flight_.fetch_sub(1, std::memory_order_release);  // its answer is posted
    });
  }
  // Side-thread tasks whose answer is not posted yet (in-process drivers
  // wait for 0 before they call the server idle: fuzz/session_harness.h).
  int blocking_in_flight() const noexcept { return blocking_in_flight_.load(std::memory_order_acquire); }

  // Graceful shutdown: every client gets "ERROR :Server shutting down" and
  // its queued output is flushed. on_drained runs (on some worker) once every
  // worker has no connection left, or after `grace`.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> on_drained);
  // Acquire: a tick that sees it also sees on_drained_ and the deadline.
  bool shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }

  // The STATS reply's lines (core/stats.h: one per worker, a total, one per
  // registered source).
  std::vector<std::string> stats_lines();
  // Figures of other parts (the store) for every stats exporter (STATS,
  // /metrics, /api/status). Registered at start-up, before the workers run.
  void add_stats_source(StatsSource source) { stats_sources_.push_back(std::move(source)); }
  const std::vector<StatsSource>& stats_sources() const noexcept { return stats_sources_; }
  // The database, through its typed port (store/port.h): accounts, ratings,
  // game tables and moves. Set once at start-up, before the loops run (and
  // before tables are restored); null without one (in-process tests): then
  // nothing is written and logins answer "unavailable". Any thread.
  void set_store(store::Port* port) noexcept { store_ = port; }
  store::Port* store() const noexcept { return store_; }
  // Password checks in flight (core/accounts.cpp bounds them).
  std::atomic<int> auth_inflight{0};
  // Password checks in flight per client address (the per-address limits'
  // key), from the start of a check to its answer: false if `key` has `max`
  // already. Any thread.
  bool auth_address_begin(const std::string& key, int max);
  void auth_address_end(const std::string& key);

  // --- Accounts online: one connection per account. ---
  // Records s as the account's connection; returns the previous one (to be
  // disconnected), or null.
  SessionPtr claim_account(const std::string& account, const SessionPtr& s);
  void release_account(const std::string& account, const Session* s);
  RatingBook& ratings() noexcept { return *ratings_; }

  // --- Operator actions (any thread; they post to the workers). ---
  BanListPtr bans() const { return std::atomic_load(&bans_); }
  // Installs a new ban list and disconnects connected clients it matches.
  void set_bans(BanListPtr bans);
  // Finds or creates a persistent lobby (database-managed lobbies).
  LobbyPtr ensure_lobby(const std::string& name, const std::string& topic, std::uint32_t capacity);
  // Closes a lobby: its members get a NOTICE with the reason and a PART.
  void close_lobby(const LobbyPtr& lobby, std::string_view reason);
  // Sends "NOTICE * :text" from the server to every registered client.
  void notice_all(std::string_view text);
  // Disconnects a user; false if no such nick.
  bool kill(std::string_view nick, std::string_view reason);
  // A server-sourced line, formatted once: ":server VERB target :text".
  net::SharedBuf server_line(std::string_view verb, std::string_view target, std::string_view text) const;

 private:
  void on_worker_tick(net::Worker& w, net::Clock::time_point now);
  void maybe_drained(net::Clock::time_point now);

  SettingsHolder settings_;
  std::vector<net::Worker*> workers_;
  std::vector<Shard> shards_;
  NickRegistry nicks_;
  LobbyRegistry lobbies_;
  std::unique_ptr<TableRegistry> tables_;
  std::unique_ptr<RatingBook> ratings_;
  store::Port* store_ = nullptr;
  std::mutex accounts_mu_;
  std::unordered_map<std::string, std::weak_ptr<Session>> accounts_online_;
  std::int64_t started_at_;

  std::mutex auth_mu_;
  std::unordered_map<std::string, int> auth_by_address_;  // guarded by auth_mu_

  std::atomic<std::uint32_t> clients_{0};
  AddressLimits address_limits_;
  std::atomic<std::uint64_t> address_refusals_{0};

  BanListPtr bans_ = std::make_shared<const BanList>();
  CatalogHolder catalog_;
  std::atomic<int> blocking_in_flight_{0};
  boost::asio::thread_pool blocking_{2};
  std::atomic<bool> shutdown_called_{false};  // shutdown() runs once
  std::atomic<bool> shutting_down_{false};    // published after on_drained_ and the deadline
  std::chrono::steady_clock::time_point shutdown_deadline_{};
  std::function<void()> on_drained_;
  std::atomic<bool> drained_called_{false};
  std::vector<StatsSource> stats_sources_;  // written before the workers start only
  net::Clock::time_point last_stats_ = net::Clock::now();
  std::vector<net::CounterSnapshot> last_stats_snap_;
  // Worker 0's tick: hands freed memory back after a wave of closes.
  void maybe_trim_memory(net::Worker& w, net::Clock::time_point now);
  std::uint32_t clients_peak_since_trim_ = 0;   // worker 0 only
  net::Clock::time_point last_trim_{};          // worker 0 only
};

}  // namespace lobbyd::core
