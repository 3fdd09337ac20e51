// Game tables, moves, results and ratings behind the port (store/port.h):
// the writes a table makes as it plays, and the start-up read that restores
// unfinished tables (core/table_restore.cpp replays them).
#include <algorithm>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "base/unix_time.h"
#include "store/store.h"

namespace lobbyd::store {

namespace {

using I = std::int64_t;

long long max_of(soci::session& sql, const char* query) {
  long long v = 0;
  soci::indicator ind = soci::i_null;
  sql << query, soci::into(v, ind);
  return ind == soci::i_ok ? v : 0;
}

std::string table_what(std::uint64_t id) { return "game_tables &" + std::to_string(id); }

}  // namespace

void Store::save_rating(RatingRow r, std::int64_t at) {
  // Absolute values, so that a replayed or reordered write cannot drift.
  std::string what = "ratings " + r.account;
  enqueue(WriteOp{what, "DELETE FROM ratings WHERE account = :account AND game = :game",
                  {{"account", r.account}, {"game", r.game}}});
  enqueue(WriteOp{std::move(what),
                  "INSERT INTO ratings (account, game, rating, games, wins, losses, draws, updated_at) "
                  "VALUES (:account, :game, :rating, :games, :wins, :losses, :draws, :t)",
                  {{"account", std::move(r.account)},
                   {"game", std::move(r.game)},
                   {"rating", I(r.rating)},
                   {"games", I(r.games)},
                   {"wins", I(r.wins)},
                   {"losses", I(r.losses)},
                   {"draws", I(r.draws)},
                   {"t", at}}});
}

void Store::save_round(TableRound t) {
  // One row per table, replaced at each round: what a restart restores.
  enqueue(WriteOp{table_what(t.id), "DELETE FROM game_tables WHERE id = :id", {{"id", I(t.id)}}});
  enqueue(WriteOp{
      table_what(t.id),
      "INSERT INTO game_tables (id, lobby, game, game_version, options, seats, seed, round, players, state, "
      "started_at) VALUES (:id, :lobby, :game, :game_version, :options, :seats, :seed, :round, :players, "
      "'playing', :started_at)",
      {{"id", I(t.id)},
       {"lobby", std::move(t.lobby)},
       {"game", std::move(t.game)},
       {"game_version", I(t.game_version)},
       {"options", std::move(t.options)},
       {"seats", I(t.seats)},
       {"seed", I(t.seed)},
       {"round", I(t.round)},
       {"players", std::move(t.players)},
       {"started_at", t.started_at}}});
}

void Store::save_move(MoveRow m, std::function<void(bool committed)> on_done) {
  enqueue(WriteOp{"table_moves &" + std::to_string(m.table_id),
                  "INSERT INTO table_moves (table_id, round, ply, seat, nick, move, created_at) "
                  "VALUES (:table_id, :round, :ply, :seat, :nick, :move, :created_at)",
                  {{"table_id", I(m.table_id)},
                   {"round", I(m.round)},
                   {"ply", m.ply},
                   {"seat", I(m.seat)},
                   {"nick", std::move(m.nick)},
                   {"move", std::move(m.move)},
                   {"created_at", m.created_at}},
                  std::move(on_done)});
}

void Store::save_result(GameResultRow r) {
  enqueue(WriteOp{table_what(r.table_id), "UPDATE game_tables SET state = 'over', ended_at = :t WHERE id = :id",
                  {{"t", r.ended_at}, {"id", I(r.table_id)}}});
  enqueue(WriteOp{"game_results &" + std::to_string(r.table_id),
                  "INSERT INTO game_results (table_id, game, game_version, lobby, players, outcome, moves, "
                  "started_at, ended_at) VALUES (:table_id, :game, :game_version, :lobby, :players, :outcome, "
                  ":moves, :started_at, :ended_at)",
                  {{"table_id", I(r.table_id)},
                   {"game", std::move(r.game)},
                   {"game_version", I(r.game_version)},
                   {"lobby", std::move(r.lobby)},
                   {"players", std::move(r.players)},
                   {"outcome", std::move(r.outcome)},
                   {"moves", std::move(r.moves)},
                   {"started_at", r.started_at},
                   {"ended_at", r.ended_at}}});
}

void Store::mark_table_broken(std::uint64_t id) {
  enqueue(WriteOp{table_what(id), "UPDATE game_tables SET state = 'broken' WHERE id = :id", {{"id", I(id)}}});
}

void Store::set_module_error(std::int64_t row_id, std::optional<std::string> error) {
  std::string what = "game_modules#" + std::to_string(row_id);
  if (!error) {
    enqueue(WriteOp{std::move(what), "UPDATE game_modules SET error = NULL WHERE id = :id", {{"id", row_id}}});
    return;
  }
  if (error->size() > 2000) error->resize(2000);  // the column; the log has it whole
  enqueue(WriteOp{std::move(what), "UPDATE game_modules SET error = :error WHERE id = :id",
                  {{"error", std::move(*error)}, {"id", row_id}}});
}

void Store::add_module(std::string name, std::string source, std::function<void(Result<std::int64_t>)> done) {
  query(port_query<std::int64_t>(
      "new module version", std::move(done),
      [name = std::move(name), source = std::move(source)](soci::session& sql, auto& answer) {
        // The next version of that name; the UNIQUE (name, version) key
        // refuses a concurrent insert of the same number (an error, logged).
        soci::transaction tx(sql);
        long long version = 0;
        soci::indicator ind = soci::i_null;
        sql << "SELECT MAX(version) FROM game_modules WHERE name = :name", soci::use(name, "name"),
            soci::into(version, ind);
        version = (ind == soci::i_ok ? version : 0) + 1;
        long long now = base::unix_now();
        sql << "INSERT INTO game_modules (name, version, source, active, created_at) "
               "VALUES (:name, :version, :source, 1, :now)",
            soci::use(name, "name"), soci::use(version, "version"), soci::use(source, "source"),
            soci::use(now, "now");
        tx.commit();
        answer(std::int64_t{version});
      }));
}

Result<StartState> Store::read_start_state() {
  if (!sql_) return Error::kUnavailable;
  soci::session& sql = *sql_;
  StartState out;
  try {
    {
      RatingRow r;
      soci::statement st = (sql.prepare << "SELECT account, game, rating, games, wins, losses, draws FROM ratings",
                            soci::into(r.account), soci::into(r.game), soci::into(r.rating), soci::into(r.games),
                            soci::into(r.wins), soci::into(r.losses), soci::into(r.draws));
      st.execute();
      while (st.fetch()) out.ratings.push_back(r);
    }
    // Table ids go on after the highest the database has seen, so that a
    // new table never shares its id (and move log) with an old one.
    out.highest_table_id = static_cast<std::uint64_t>(std::max({max_of(sql, "SELECT MAX(id) FROM game_tables"),
                                                                max_of(sql, "SELECT MAX(table_id) FROM table_moves"),
                                                                max_of(sql, "SELECT MAX(table_id) FROM game_results")}));
    {
      long long id = 0, seats = 0, seed = 0, round = 0, started_at = 0, version = 0;
      TableRound t;
      soci::statement st = (sql.prepare << "SELECT id, lobby, game, game_version, options, seats, seed, round, "
                                           "players, started_at FROM game_tables WHERE state = 'playing' ORDER BY id",
                            soci::into(id), soci::into(t.lobby), soci::into(t.game), soci::into(version),
                            soci::into(t.options),
                            soci::into(seats), soci::into(seed), soci::into(round), soci::into(t.players),
                            soci::into(started_at));
      st.execute();
      while (st.fetch()) {
        t.id = static_cast<std::uint64_t>(id);
        t.seats = static_cast<int>(seats);
        t.game_version = static_cast<int>(version);
        t.seed = static_cast<std::uint64_t>(seed);
        t.round = static_cast<int>(round);
        t.started_at = started_at;
        out.open_tables.push_back(SavedTable{t, {}});
      }
    }
    for (SavedTable& saved : out.open_tables) {
      long long id = static_cast<long long>(saved.round.id), round = saved.round.round;
      int seat = 0;
      std::string move;
      soci::statement st = (sql.prepare << "SELECT seat, move FROM table_moves WHERE table_id = :id AND round = :r "
                                           "ORDER BY ply",
                            soci::use(id, "id"), soci::use(round, "r"), soci::into(seat), soci::into(move));
      st.execute();
      while (st.fetch()) saved.moves.push_back(SavedTable::Move{seat, move});
    }
  } catch (const soci::soci_error& e) {
    spdlog::error("database: reading ratings and unfinished tables failed: {}", e.what());
    return Error::kUnavailable;
  }
  return out;
}

}  // namespace lobbyd::store
