#pragma once
// The store port: everything the server asks of its database, typed. The
// caller submits a request and gets a value or an Error back; it never sees
// SQL or the driver (InspIRCd's modules/sql.h is the model). store::Store
// (store.h, SOCI on SQLite or MariaDB) implements it; core, which links
// only this interface (lobbyd_store_api), cannot reach the driver. A second
// backend, or the cluster's fencing token on table writes, goes behind it.
//
// Threads: any thread may call. Answers (`done`) and commit callbacks
// (`on_done`) run on the store thread, exactly once each, and must not
// block: post the result to a worker.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "store/rows.h"

namespace lobbyd::store {

// Why a request got no answer: the database is away, the request queue is
// full, or the request failed there (logged with its SQL error). One kind
// for now: every caller answers them alike ("try again later").
enum class Error : std::uint8_t { kUnavailable };

// A value, or the Error that stood in its way.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error e) : v_(std::in_place_index<1>, e) {}                 // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  Error error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

enum class Created : std::uint8_t { kCreated, kTaken };

class Port {
 public:
  virtual ~Port() = default;

  // --- Requests someone waits for (a login, REGISTER). ---
  // The account named `name` (folded), or none.
  virtual void find_account(std::string name, std::function<void(Result<std::optional<Account>>)> done) = 0;
  // Whether `name` is taken, asked before a REGISTER pays for its hash.
  virtual void account_taken(std::string name, std::function<void(Result<bool>)> done) = 0;
  // Creates the account unless the name was taken meanwhile (kTaken: a
  // concurrent REGISTER of the same name won).
  virtual void create_account(Account account, std::string display, std::function<void(Result<Created>)> done) = 0;

  // --- Writes: queued (bounded; kept while the database is away) and
  // written in order, in batches. ---
  virtual void record_login(std::string account, std::int64_t at) = 0;
  virtual void save_rating(RatingRow row, std::int64_t at) = 0;
  // A round started: replaces the table's row (what a restart restores).
  virtual void save_round(TableRound round) = 0;
  // An accepted move. `on_done(committed)`, if given, runs once the row is
  // committed (true) or lost (false); a write with it is not held back for
  // the next batch (durable moves wait for it).
  virtual void save_move(MoveRow move, std::function<void(bool committed)> on_done = {}) = 0;
  // A round ended: the table's row is marked over and the result recorded.
  virtual void save_result(GameResultRow result) = 0;
  // A logged round that cannot be replayed (restore): never tried again.
  virtual void mark_table_broken(std::uint64_t table_id) = 0;
  // A configuration row lobbyd refused (control plane), for the operator.
  virtual void record_config_error(std::string source, std::string ref, std::string message, std::int64_t at) = 0;

  // A game module's row: what loading its source found (none: it loaded).
  virtual void set_module_error(std::int64_t row_id, std::optional<std::string> error) = 0;
  // A new version of a module (PUT /api/modules/<name>, --modules DIR):
  // inserted active, with the next version number of that name.
  virtual void add_module(std::string name, std::string source, std::function<void(Result<std::int64_t>)> done) = 0;

  // --- Start-up, before the event loops run: ratings, unfinished tables. ---
  // Synchronous (nobody is served yet). kUnavailable if the database is away.
  virtual Result<StartState> read_start_state() = 0;
};

// The store's calls into the server when an operator's row changed. Called
// on the store thread; implementations must not block on the event loops:
// publish snapshots or post to workers.
class StoreListener {
 public:
  virtual ~StoreListener() = default;
  virtual void on_settings(std::vector<SettingRow> rows) = 0;
  virtual void on_lobbies(std::vector<LobbyRow> rows) = 0;
  virtual void on_bans(std::vector<BanRow> rows) = 0;
  // Every row of game_modules, by name and version.
  virtual void on_modules(std::vector<ModuleRow> rows) = 0;
  // Once per poll of the database, after the rows above (whether or not
  // anything changed): for work of the listener's own rhythm.
  virtual void on_poll() {}
  // Runs a claimed admin command; returns the text for its `result` column.
  virtual std::string on_command(const CommandRow& cmd) = 0;
};

}  // namespace lobbyd::store
