#pragma once
// The store's own queue entries: a write to make (WriteOp) and a request
// someone waits for (Query), each with its SQL. Internal to src/store: the
// rest of the server asks through the typed port (store/port.h) and never
// sees SQL or the driver.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <utility>
#include <vector>

#include "store/port.h"

namespace soci {
class session;
}

namespace lobbyd::store {

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

// A port request as a Query: run(sql, answer) answers with a value through
// `answer`; if the database is away, the queue is full or run() throws, the
// answer is Error::kUnavailable. Exactly one answer, even if run() throws
// after it answered.
template <class T, class Run>
Query port_query(std::string what, std::function<void(Result<T>)> done, Run run) {
  struct Once {
    std::function<void(Result<T>)> done;
    bool given = false;
    void operator()(Result<T> r) {
      if (std::exchange(given, true)) return;
      done(std::move(r));
    }
  };
  auto answer = std::make_shared<Once>(Once{std::move(done)});
  return Query{std::move(what), [answer, run = std::move(run)](soci::session& sql) { run(sql, *answer); },
               [answer] { (*answer)(Error::kUnavailable); }};
}

}  // namespace lobbyd::store
