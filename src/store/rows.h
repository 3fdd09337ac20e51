#pragma once
// Rows of the operator's tables as the store reads them. Plain values: the
// store thread builds them and hands them over; nobody shares them mutably.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace soci {
class session;
}

namespace lobbyd::store {

struct SettingRow {
  std::string key, value;
};

struct LobbyRow {
  std::string name, topic, games;
  std::int64_t capacity = 0;
  bool active = true;
};

struct BanRow {
  std::int64_t id = 0;
  std::string mask, reason;
  std::optional<std::int64_t> expires_at;  // unix seconds; none = permanent
};

struct CommandRow {
  std::int64_t id = 0;
  std::string verb, args;
};

// A write lobbyd makes (applied markers, config errors, accounts, moves,
// game results, ratings),
// queued so that nothing is lost while the database is away. Named
// parameters (":name") bound in order of `params`.
struct WriteOp {
  using Value = std::variant<std::monostate, std::int64_t, std::string>;  // monostate = NULL
  std::string what;  // for logs: "admin_commands#12 result"
  std::string sql;
  std::vector<std::pair<std::string, Value>> params;
  // Optional: called on the store thread once the row is committed (true),
  // or when it is lost (false: refused by the database, dropped from a full
  // queue, or still unwritten at exit). A write with it wakes the store
  // thread at once: writes that queue up while one transaction commits go
  // together in the next (group commit). Must not block: post elsewhere.
  std::function<void(bool committed)> on_done = {};
};

// A read or a write whose answer someone waits for (a login, REGISTER).
// run() executes on the store thread and must post its answer elsewhere;
// unavailable() runs instead when the database is away, the queue is full,
// or run() threw (logged). Exactly one of them runs.
struct Query {
  std::string what;  // for logs: "account lookup"
  std::function<void(soci::session&)> run;
  std::function<void()> unavailable;
};

}  // namespace lobbyd::store
