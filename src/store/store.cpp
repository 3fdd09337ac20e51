#include "store/store.h"

#include <algorithm>
#include <fmt/format.h>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "base/internal_error.h"
#include "base/unix_time.h"
#include "prof/profiler.h"
#include "store/schema.h"

namespace lobbyd::store {

namespace {
void notify_done(const WriteOp& op, bool committed) {
  if (op.on_done) base::guarded(base::Where::kStore, [&] { op.on_done(committed); });
}
}  // namespace

namespace {

using base::unix_now;

constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);

}  // namespace

Store::Store(StoreOptions opts, StoreListener& listener)
    : opts_(std::move(opts)), listener_(listener), poll_ms_(opts_.poll_interval.count()) {}

Store::~Store() { stop(); }

void Store::connect() {
  auto s = std::make_unique<soci::session>(opts_.url.backend, opts_.url.connect);
  if (opts_.url.dialect == Dialect::kSqlite) {
    // WAL: readers (operators' sqlite3 shells) do not block lobbyd's writes.
    *s << "PRAGMA journal_mode=WAL";
    *s << "PRAGMA synchronous=NORMAL";
    *s << "PRAGMA busy_timeout=5000";
  }
  int before = migrate(*s, opts_.url.dialect);
  if (before != latest_schema_version())
    spdlog::info("database {}: schema version {} -> {}", opts_.url.redacted, before,
                 latest_schema_version());
  sql_ = std::move(s);
  revs_.clear();  // re-read everything after a (re)connect
  std::lock_guard lock(mu_);
  stats_.connected = true;
}

void Store::connect_now() {
  if (connected_once_) return;
  connected_once_ = true;
  try {
    connect();
  } catch (const std::exception& e) {
    if (opts_.url.dialect == Dialect::kSqlite)
      throw std::runtime_error(fmt::format("database {}: {}", opts_.url.redacted, e.what()));
    // A network database may come up later: serve with the file
    // configuration meanwhile and keep trying in the background.
    spdlog::error("database {} unavailable at start: {} (retrying in the background)",
                  opts_.url.redacted, e.what());
    sql_.reset();
  }
  if (sql_) poll_once();  // apply the database's configuration before accepting clients
}

void Store::record_config_error(std::string source, std::string ref, std::string message, std::int64_t at) {
  // The columns' sizes (schema.cpp): a long value is cut, never refused.
  if (ref.size() > 255) ref.resize(255);
  if (message.size() > 1000) message.resize(1000);
  enqueue(WriteOp{fmt::format("config_errors {} {}", source, ref),
                  "INSERT INTO config_errors (source, ref, message, created_at) VALUES (:source, :ref, :message, :at)",
                  {{"source", std::move(source)}, {"ref", std::move(ref)}, {"message", std::move(message)}, {"at", at}}});
}

void Store::start() {
  connect_now();
  thread_ = std::thread([this] {
    prof::Profiler::set_thread_name("store");
    run();
  });
}

void Store::stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Store::enqueue(WriteOp op) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (writes_.size() >= opts_.write_queue_max) {
      // Past the bound the oldest write is lost; say so loudly.
      ++stats_.writes_dropped;
      spdlog::error("database write queue full ({} writes): dropping the oldest ({}); {} dropped so far",
                    writes_.size(), writes_.front().what, stats_.writes_dropped);
      if (writes_.front().on_done) {
        base::guarded(base::Where::kStore, [&] { writes_.front().on_done(false); });
        --waited_queued_;
      }
      writes_.pop_front();
    }
    if (op.on_done) wake = waited_queued_++ == 0;  // the first one since the queue was drained
    writes_.push_back(std::move(op));
    stats_.writes_queued = writes_.size();
  }
  // Plain writes wait for the next poll and go in one transaction (waking
  // the store thread per write cost a futex call per accepted move). A write
  // someone waits for wakes it, once until that batch is taken.
  if (wake) cv_.notify_all();
}

void Store::query(Query q) {
  {
    std::lock_guard lock(mu_);
    if (queries_.size() < opts_.query_queue_max && !stop_) {
      queries_.push_back(std::move(q));
      cv_.notify_all();
      return;
    }
  }
  spdlog::warn("database: {} refused (query queue full or stopping)", q.what);
  base::guarded(base::Where::kStore, q.unavailable);
}

void Store::run_queries() {
  while (true) {
    Query q;
    {
      std::lock_guard lock(mu_);
      if (queries_.empty()) return;
      q = std::move(queries_.front());
      queries_.pop_front();
    }
    if (!sql_) {
      base::guarded(base::Where::kStore, q.unavailable);
      continue;
    }
    try {
      LOBBYD_ZONE("store.query");
      base::fault_point(base::Where::kStore);
      q.run(*sql_);
    } catch (const soci::soci_error& e) {
      spdlog::error("database: {} failed: {}", q.what, e.what());
      base::guarded(base::Where::kStore, q.unavailable);
      throw;  // the connection may be broken: the run loop reconnects
    } catch (...) {
      // Not the database's fault: a bug in the callback. Its caller is
      // answered "unavailable" and the store thread goes on (issue 13).
      base::internal_error(base::Where::kStore, std::current_exception());
      base::guarded(base::Where::kStore, q.unavailable);
    }
  }
}

std::size_t Store::step() {
  std::size_t n = 0;
  {
    std::lock_guard lock(mu_);
    n = queries_.size() + writes_.size();
  }
  if (n == 0 || !sql_) return n;
  try {
    run_queries();
    flush_writes();
  } catch (const std::exception& e) {
    // The store thread would reconnect; a driver's database is in memory.
    spdlog::error("database: {}", e.what());
  }
  return n;
}

void Store::set_poll_interval(std::chrono::milliseconds p) { poll_ms_.store(p.count()); }

StoreStats Store::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Store::wait(std::chrono::milliseconds d, bool writes) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return stop_ || !queries_.empty() || (writes && waited_queued_ > 0); });
}

void Store::run() {
  auto backoff = std::chrono::milliseconds(250);
  unsigned failures = 0;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
    }
    if (!sql_) {
      try {
        connect();
        spdlog::info("database {}: connected", opts_.url.redacted);
        {
          std::lock_guard lock(mu_);
          ++stats_.reconnects;
        }
        backoff = std::chrono::milliseconds(250);
        failures = 0;
      } catch (const std::exception& e) {
        if (failures++ % 10 == 0)
          spdlog::warn("database {}: cannot connect ({}); retrying in {} ms", opts_.url.redacted,
                       e.what(), backoff.count());
        run_queries();  // nobody waits for a database that is away
        wait(backoff, false);
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
    }
    try {
      run_queries();
      flush_writes();
      poll_once();
      run_queries();
    } catch (const std::exception& e) {
      spdlog::error("database {}: {} (serving with the last known configuration; reconnecting)",
                    opts_.url.redacted, e.what());
      sql_.reset();
      std::lock_guard lock(mu_);
      stats_.connected = false;
      continue;
    }
    // Queries wake the thread early; the poll keeps its own rhythm.
    auto next_poll = std::chrono::steady_clock::now() + std::chrono::milliseconds(poll_ms_.load());
    while (sql_ && std::chrono::steady_clock::now() < next_poll) {
      {
        std::lock_guard lock(mu_);
        if (stop_) break;
      }
      wait(std::chrono::duration_cast<std::chrono::milliseconds>(next_poll - std::chrono::steady_clock::now()),
           true);
      try {
        run_queries();
        bool waited;
        {
          std::lock_guard lock(mu_);
          waited = waited_queued_ > 0;
        }
        if (waited) flush_writes();  // group commit for the writes someone waits for
      } catch (const std::exception& e) {
        spdlog::error("database {}: {} (reconnecting)", opts_.url.redacted, e.what());
        sql_.reset();
        std::lock_guard lock(mu_);
        stats_.connected = false;
      }
    }
  }
  // Queries still queued at exit get their "unavailable" answer.
  {
    auto keep = std::move(sql_);
    run_queries();
    sql_ = std::move(keep);
  }
  // Last chance for queued writes (applied markers, results) before exit.
  if (sql_) {
    try {
      flush_writes();
    } catch (const std::exception& e) {
      spdlog::error("database: {} writes not written at exit: {}", stats().writes_queued, e.what());
    }
  }
  std::deque<WriteOp> left;
  {
    std::lock_guard lock(mu_);
    left.swap(writes_);
    waited_queued_ = 0;
  }
  for (const WriteOp& op : left) notify_done(op, false);
}

namespace {

void execute(soci::session& sql, const WriteOp& op) {
  soci::values vals;
  for (auto& [name, v] : op.params) {
    if (std::holds_alternative<std::monostate>(v))
      vals.set(name, std::string(), soci::i_null);
    else if (auto* i = std::get_if<std::int64_t>(&v))
      vals.set(name, static_cast<long long>(*i));
    else
      vals.set(name, std::get<std::string>(v));
  }
  sql << op.sql, soci::use(vals);
}

// The database refused this row (a constraint, a bad statement): retrying
// cannot help. Anything else (locks, time-outs, a lost connection) is
// retried with the queue kept.
bool refused_row(const soci::soci_error& e) {
  auto c = e.get_error_category();
  if (c == soci::soci_error::constraint_violation || c == soci::soci_error::invalid_statement) return true;
  // SOCI 4.0's backends may leave the category unknown; their messages are
  // the database's own ("UNIQUE constraint failed: ...", "Duplicate entry").
  // A statement that names a table or column the database does not have
  // is refused the same way (retried, it would livelock the store thread:
  // reconnect, fail, reconnect...).
  std::string_view what = e.what();
  for (std::string_view m : {"constraint failed", "Duplicate entry", "no such table", "no such column",
                             "doesn't exist", "Unknown column"})
    if (what.find(m) != std::string_view::npos) return true;
  return false;
}

bool alive(soci::session& sql) {
  try {
    int one = 0;
    sql << "SELECT 1", soci::into(one);
    return one == 1;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

void Store::retire(std::size_t done, std::size_t failed) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < done + failed; ++i) {
    if (writes_.front().on_done) --waited_queued_;
    writes_.pop_front();
  }
  stats_.writes_done += done;
  stats_.writes_failed += failed;
  stats_.writes_queued = writes_.size();
}

void Store::flush_writes() {
  LOBBYD_ZONE("store.write");
  const std::size_t batch_max = std::max<std::size_t>(opts_.write_batch, 1);
  std::vector<WriteOp> batch;
  while (true) {
    batch.clear();
    {
      std::lock_guard lock(mu_);
      // Copied: they stay queued until the database has them.
      for (std::size_t i = 0; i < writes_.size() && i < batch_max; ++i) batch.push_back(writes_[i]);
    }
    if (batch.empty()) return;
    std::size_t done = 0, failed = 0;
    bool done_notified = false;  // the row-by-row path tells each waiter itself
    try {
      // One transaction for the batch: one commit (one fsync for SQLite)
      // instead of one per row.
      if (batch.size() > 1) {
        soci::transaction tx(*sql_);
        for (const WriteOp& op : batch) execute(*sql_, op);
        tx.commit();
      } else {
        execute(*sql_, batch.front());
      }
      done = batch.size();
    } catch (const std::exception&) {
      if (!alive(*sql_)) throw;  // the connection is gone: reconnect, keep the queue
      // The database is there: write the batch row by row, and drop a row
      // the database refuses (refused_row), loudly, rather than retrying it
      // for ever in front of everything else.
      for (const WriteOp& op : batch) {
        try {
          execute(*sql_, op);
        } catch (const soci::soci_error& e1) {
          if (!refused_row(e1) || !alive(*sql_)) {
            retire(done, failed);  // the rest stays queued for the reconnect; its waiters wait on
            throw;
          }
          spdlog::error("database write {} failed and is dropped: {}", op.what, e1.what());
          ++failed;
          notify_done(op, false);
          continue;
        }
        ++done;
        notify_done(op, true);
      }
      done_notified = true;
    }
    retire(done, failed);
    if (!done_notified)
      for (const WriteOp& op : batch) notify_done(op, true);  // committed together
  }
}

// The listener (the control plane) applies rows to the server. An exception
// from it is a bug there, not a database error: it is counted and logged,
// the change is taken as seen (not retried on every poll), and the store
// thread goes on.
template <class F>
void Store::deliver(F&& f) {
  base::guarded(base::Where::kStore, [&] {
    base::fault_point(base::Where::kStore);
    f();
  });
}

void Store::poll_once() {
  LOBBYD_ZONE("store.poll");
  soci::session& sql = *sql_;
  std::map<std::string, std::int64_t> now_revs;
  {
    std::string name;
    long long rev = 0;
    soci::statement st = (sql.prepare << "SELECT name, rev FROM revision", soci::into(name),
                          soci::into(rev));
    st.execute();
    while (st.fetch()) now_revs[name] = rev;
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.polls;
  }
  auto changed = [&](const std::string& t) {
    auto it = revs_.find(t);
    return it == revs_.end() || it->second != now_revs[t];
  };
  // Each applied change counts, with its read-and-apply time (the poll
  // interval before it is the other part of an operator's wait).
  auto applied = [this](std::chrono::steady_clock::time_point t0) {
    auto ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    std::lock_guard lock(mu_);
    ++stats_.changes_applied;
    stats_.apply_ns_total += ns;
    stats_.apply_ns_max = std::max(stats_.apply_ns_max, ns);
  };

  if (changed("settings")) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<SettingRow> rows;
    std::string key, value;
    soci::statement st =
        (sql.prepare << "SELECT `key`, value FROM settings ORDER BY `key`", soci::into(key),
         soci::into(value));
    st.execute();
    while (st.fetch()) rows.push_back({key, value});
    deliver([&] { listener_.on_settings(std::move(rows)); });
    revs_["settings"] = now_revs["settings"];
    applied(t0);
  }
  if (changed("lobbies")) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<LobbyRow> rows;
    std::string name, topic, games;
    long long capacity = 0, active = 1;
    soci::statement st = (sql.prepare << "SELECT name, topic, capacity, active, games FROM lobbies ORDER BY name",
                          soci::into(name), soci::into(topic), soci::into(capacity),
                          soci::into(active), soci::into(games));
    st.execute();
    while (st.fetch()) rows.push_back({name, topic, games, capacity, active != 0});
    deliver([&] { listener_.on_lobbies(std::move(rows)); });
    revs_["lobbies"] = now_revs["lobbies"];
    applied(t0);
  }
  if (changed("bans")) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<BanRow> rows;
    long long id = 0, expires = 0;
    std::string mask, reason;
    soci::indicator exp_ind = soci::i_null;
    soci::statement st = (sql.prepare << "SELECT id, mask, reason, expires_at FROM bans ORDER BY id",
                          soci::into(id), soci::into(mask), soci::into(reason),
                          soci::into(expires, exp_ind));
    st.execute();
    while (st.fetch()) {
      BanRow r{id, mask, reason, std::nullopt};
      if (exp_ind == soci::i_ok) r.expires_at = expires;
      rows.push_back(std::move(r));
    }
    deliver([&] { listener_.on_bans(std::move(rows)); });
    revs_["bans"] = now_revs["bans"];
    applied(t0);
  }
  if (changed("game_modules")) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<ModuleRow> rows;
    ModuleRow r;
    long long id = 0, version = 0, active = 1;
    std::string error;
    soci::indicator err_ind = soci::i_null;
    soci::statement st = (sql.prepare << "SELECT id, name, version, source, active, error FROM game_modules "
                                         "ORDER BY name, version",
                          soci::into(id), soci::into(r.name), soci::into(version), soci::into(r.source),
                          soci::into(active), soci::into(error, err_ind));
    st.execute();
    while (st.fetch()) {
      r.id = id;
      r.version = version;
      r.active = active != 0;
      r.error = err_ind == soci::i_ok ? std::optional<std::string>(error) : std::nullopt;
      rows.push_back(r);
    }
    deliver([&] { listener_.on_modules(std::move(rows)); });
    revs_["game_modules"] = now_revs["game_modules"];
    applied(t0);
  }
  if (changed("admin_commands")) {
    auto t0 = std::chrono::steady_clock::now();
    run_commands();
    revs_["admin_commands"] = now_revs["admin_commands"];
    applied(t0);
  }
  deliver([&] { listener_.on_poll(); });
}

void Store::run_commands() {
  soci::session& sql = *sql_;
  std::vector<CommandRow> pending;
  {
    long long id = 0;
    std::string verb, args;
    soci::statement st = (sql.prepare << "SELECT id, verb, args FROM admin_commands "
                                         "WHERE applied_at IS NULL ORDER BY id",
                          soci::into(id), soci::into(verb), soci::into(args));
    st.execute();
    while (st.fetch()) pending.push_back({id, verb, args});
  }
  for (const CommandRow& c : pending) {
    // Claim first: applied_at is set before the command runs, so a command
    // never runs twice, not even across a crash or a second lobbyd.
    long long now = unix_now(), id = c.id;
    soci::statement claim = (sql.prepare << "UPDATE admin_commands SET applied_at = :now, "
                                            "result = 'running' WHERE id = :id AND applied_at IS NULL",
                             soci::use(now, "now"), soci::use(id, "id"));
    claim.execute(true);
    if (claim.get_affected_rows() != 1) continue;
    std::string result = "error: internal error (see the server log)";
    deliver([&] { result = listener_.on_command(c); });
    if (result.size() > 1000) result.resize(1000);
    enqueue(WriteOp{fmt::format("admin_commands#{} result", c.id),
                    "UPDATE admin_commands SET result = :result WHERE id = :id",
                    {{"result", result}, {"id", std::int64_t{c.id}}}});
  }
}

}  // namespace lobbyd::store
