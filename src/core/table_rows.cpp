#include "core/table_rows.h"

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "core/ratings.h"

namespace lobbyd::core {

void TableRows::round(const TableFlow& flow) {
  if (!write_) return;
  games::Json players = games::Json::array();
  for (const auto& x : flow.seats()) players.push_back({{"nick", x.nick}, {"account", x.account}});
  write_(store::WriteOp{"game_tables " + name_, "DELETE FROM game_tables WHERE id = :id",
                        {{"id", std::int64_t(id_)}}});
  write_(store::WriteOp{
      "game_tables " + name_,
      "INSERT INTO game_tables (id, lobby, game, options, seats, seed, round, players, state, started_at) "
      "VALUES (:id, :lobby, :game, :options, :seats, :seed, :round, :players, 'playing', :started_at)",
      {{"id", std::int64_t(id_)},
       {"lobby", lobby_},
       {"game", std::string(flow.game().name())},
       {"options", games::to_string(flow.options())},
       {"seats", std::int64_t(flow.seats().size())},
       {"seed", std::int64_t(flow.seed())},
       {"round", std::int64_t(flow.round())},
       {"players", base::json_text(players)},
       {"started_at", flow.started_at()}}});
}

void TableRows::move(const TableFlow& flow, const ev::PersistMove& m, std::int64_t now_s,
                     std::function<void(bool)> on_done) {
  if (!write_) return;
  write_(store::WriteOp{
      "table_moves " + name_,
      "INSERT INTO table_moves (table_id, round, ply, seat, nick, move, created_at) "
      "VALUES (:table_id, :round, :ply, :seat, :nick, :move, :created_at)",
      {{"table_id", std::int64_t(id_)},
       {"round", std::int64_t(flow.round())},
       {"ply", std::int64_t(m.ply)},
       {"seat", std::int64_t(m.seat)},
       {"nick", m.nick},
       {"move", m.text},
       {"created_at", now_s}},
      std::move(on_done)});
}

table_wire::Rated TableRows::rate(RatingBook& book, std::string_view game, const std::vector<std::string>& accounts,
                                  const games::Result& result) {
  // The only call of RatingBook::apply: the book changes here, its rows go
  // out here (or nowhere, without a database).
  std::vector<store::WriteOp> writes;
  table_wire::Rated rated;
  rated.change = book.apply(game, accounts, result, writes);
  for (std::size_t i = 0; i < rated.change.size(); ++i) {
    std::optional<int> r;
    if (rated.change[i])
      if (auto e = book.find(game, accounts[i])) r = e->rating;
    rated.rating.push_back(r);
  }
  if (write_)
    for (auto& w : writes) write_(std::move(w));
  return rated;
}

void TableRows::result(const TableFlow& flow, const std::vector<std::string>& nicks, const games::Json& outcome,
                       std::int64_t now_s) {
  if (!write_) return;
  write_(store::WriteOp{"game_tables " + name_,
                        "UPDATE game_tables SET state = 'over', ended_at = :t WHERE id = :id",
                        {{"t", now_s}, {"id", std::int64_t(id_)}}});
  games::Json moves = games::Json::array();
  for (const auto& m : flow.moves()) moves.push_back(games::Json::array({m.seat, m.text}));
  games::Json players = games::Json::array();
  for (const auto& n : nicks) players.push_back(n);
  games::Json full = outcome;
  full["seed"] = flow.seed();
  full["options"] = games::to_string(flow.options());
  full["round"] = flow.round();
  write_(store::WriteOp{
      "game_results " + name_,
      "INSERT INTO game_results (table_id, game, lobby, players, outcome, moves, started_at, ended_at) "
      "VALUES (:table_id, :game, :lobby, :players, :outcome, :moves, :started_at, :ended_at)",
      {{"table_id", std::int64_t(id_)},
       {"game", std::string(flow.game().name())},
       {"lobby", lobby_},
       {"players", base::json_text(players)},
       {"outcome", base::json_text(full)},
       {"moves", base::json_text(moves)},
       {"started_at", flow.started_at()},
       {"ended_at", now_s}}});
}

}  // namespace lobbyd::core
