#pragma once
// Every database write of a table, in one place: the flow's persist events
// (a round started, a move, the result) turned into typed rows for the
// store's port (store/port.h), and the rating of a finished game. Rows as
// restore_tables() (table_restore.cpp) reads them back. Called under the
// table's mutex, so rows are queued in the order the flow made them.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/table_flow.h"
#include "core/table_wire.h"

namespace lobbyd::core {

class RatingBook;
class Server;

class TableRows {
 public:
  // Writes through server.store() (none without a database), read at each
  // call: the port is set once at start-up.
  TableRows(const Server& server, std::uint64_t id, std::string lobby)
      : server_(server), id_(id), lobby_(std::move(lobby)) {}

  bool enabled() const noexcept;
  // One row per table, replaced at each round: what a restart restores.
  void round(const TableFlow& flow);
  // A table_moves row. `on_done` (may be empty): called on the store thread
  // once the row is committed or lost (durable moves).
  void move(const TableFlow& flow, const ev::PersistMove& m, std::int64_t now_s,
            std::function<void(bool)> on_done);
  // Rates a finished game (accounts per seat, "" = guest) and queues the
  // rating rows: each seat's change and rating after it.
  table_wire::Rated rate(RatingBook& book, std::string_view game, const std::vector<std::string>& accounts,
                         const games::Result& result, std::int64_t now_s);
  // The round is over: game_tables marked 'over', the game_results row.
  void result(const TableFlow& flow, const std::vector<std::string>& nicks, const games::Json& outcome,
              std::int64_t now_s);

 private:
  const Server& server_;
  const std::uint64_t id_;
  const std::string lobby_;
};

}  // namespace lobbyd::core
