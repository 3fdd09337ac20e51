#pragma once
// The store: the one owner of the database connection, and the SOCI
// implementation of the typed port (store/port.h) that the server asks
// through; all of lobbyd's SQL is in src/store (accounts_sql.cpp,
// games_sql.cpp, schema.cpp, here). It runs on its own thread; the event
// loops never wait for it. It
//   - connects (and reconnects with backoff) and migrates the schema,
//   - polls the `revision` table every poll interval and, for each watched
//     table whose revision moved, reads it and hands the rows to its
//     listener (settings, lobbies, bans) or runs the new admin commands,
//   - writes queued WriteOps, keeping them in a bounded queue while the
//     database is away.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/db_url.h"
#include "store/port.h"
#include "store/queue.h"
#include "store/rows.h"

namespace lobbyd::store {

struct StoreOptions {
  DbUrl url;
  std::chrono::milliseconds poll_interval{250};
  std::size_t write_queue_max = 100000;
  std::size_t query_queue_max = 10000;
  std::size_t write_batch = 256;  // queued writes per transaction (1: one commit per row)
};

struct StoreStats {
  bool connected = false;
  std::uint64_t polls = 0, reconnects = 0, writes_done = 0, writes_dropped = 0;
  std::uint64_t writes_failed = 0;  // refused by the database itself (logged, dropped)
  std::size_t writes_queued = 0;
  std::uint64_t changes_applied = 0;  // watched tables re-read and applied
  std::uint64_t apply_ns_total = 0;   // time from noticing a change to having applied it
  std::uint64_t apply_ns_max = 0;
};

class Store final : public Port {
 public:
  Store(StoreOptions opts, StoreListener& listener);
  ~Store() override;

  // The port (store/port.h); SQL in accounts_sql.cpp and games_sql.cpp.
  void find_account(std::string name, std::function<void(Result<std::optional<Account>>)> done) override;
  void account_taken(std::string name, std::function<void(Result<bool>)> done) override;
  void create_account(Account account, std::string display, std::function<void(Result<Created>)> done) override;
  void record_login(std::string account, std::int64_t at) override;
  void save_rating(RatingRow row, std::int64_t at) override;
  void save_round(TableRound round) override;
  void save_move(MoveRow move, std::function<void(bool committed)> on_done = {}) override;
  void save_result(GameResultRow result) override;
  void mark_table_broken(std::uint64_t table_id) override;
  void record_config_error(std::string source, std::string ref, std::string message, std::int64_t at) override;
  void set_module_error(std::int64_t row_id, std::optional<std::string> error) override;
  void add_module(std::string name, std::string source, std::function<void(Result<std::int64_t>)> done) override;
  // After connect_now(), before start().
  Result<StartState> read_start_state() override;

  // Connects and migrates once on the calling thread so that a bad URL or
  // schema fails the start-up; throws with a readable message. Then starts
  // the store thread.
  void start();
  // The first part of start(), for callers that read before the store
  // thread runs: connect, migrate and apply the configuration. start()
  // calls it if nobody did.
  void connect_now();
  void stop();  // flushes queued writes if it can, joins

  // Any thread: the queues behind the port, SQL and all (the store's own
  // code and its tests).
  void enqueue(WriteOp op);
  void query(Query q);
  void set_poll_interval(std::chrono::milliseconds p);
  StoreStats stats() const;
  // For in-process drivers that run no store thread (fuzz/session_harness.h):
  // after connect_now(), runs the queued queries and writes on the calling
  // thread, as the store thread would; returns how many there were. Never
  // together with start().
  std::size_t step();

 private:
  void run();
  void connect();
  void poll_once();
  template <class F>
  void deliver(F&& f);  // calls the listener under the last line of defence
  void flush_writes();
  void retire(std::size_t done, std::size_t failed);  // pops the written head of the queue
  void run_commands();
  void run_queries();
  // Sleeps up to d; wakes for queries, stop, and (with `writes`) for a
  // write that someone waits for (WriteOp::on_done).
  void wait(std::chrono::milliseconds d, bool writes);

  StoreOptions opts_;
  StoreListener& listener_;
  std::unique_ptr<soci::session> sql_;  // store thread only (after start)
  std::map<std::string, std::int64_t> revs_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteOp> writes_;  // guarded by mu_
  std::deque<Query> queries_;   // guarded by mu_
  bool connected_once_ = false; // connect_now() ran
  bool stop_ = false;           // guarded by mu_
  std::size_t waited_queued_ = 0;  // guarded by mu_: queued writes with on_done
  StoreStats stats_;            // guarded by mu_
  std::atomic<std::int64_t> poll_ms_;
  std::thread thread_;
};

}  // namespace lobbyd::store
