#include "core/table_rows.h"

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "core/ratings.h"
#include "core/server.h"

namespace lobbyd::core {

bool TableRows::enabled() const noexcept { return server_.store() != nullptr; }

void TableRows::round(const TableFlow& flow) {
  store::Port* db = server_.store();
  if (!db) return;
  games::Json players = games::Json::array();
  for (const auto& x : flow.seats()) players.push_back({{"nick", x.nick}, {"account", x.account}});
  db->save_round(store::TableRound{id_, lobby_, std::string(flow.game().name()), games::to_string(flow.options()),
                                   static_cast<int>(flow.seats().size()), flow.seed(), flow.round(),
                                   base::json_text(players), flow.started_at(), flow.game().version()});
}

void TableRows::move(const TableFlow& flow, const ev::PersistMove& m, std::int64_t now_s,
                     std::function<void(bool)> on_done) {
  store::Port* db = server_.store();
  if (!db) return;
  db->save_move(store::MoveRow{id_, flow.round(), std::int64_t(m.ply), m.seat, m.nick, m.text, now_s},
                std::move(on_done));
}

table_wire::Rated TableRows::rate(RatingBook& book, std::string_view game, const std::vector<std::string>& accounts,
                                  const games::Result& result, std::int64_t now_s) {
  // The only call of RatingBook::apply: the book changes here, its rows go
  // out here (or nowhere, without a database).
  std::vector<store::RatingRow> rows;
  table_wire::Rated rated;
  rated.change = book.apply(game, accounts, result, rows);
  for (std::size_t i = 0; i < rated.change.size(); ++i) {
    std::optional<int> r;
    if (rated.change[i])
      if (auto e = book.find(game, accounts[i])) r = e->rating;
    rated.rating.push_back(r);
  }
  if (store::Port* db = server_.store())
    for (auto& row : rows) db->save_rating(std::move(row), now_s);
  return rated;
}

void TableRows::result(const TableFlow& flow, const std::vector<std::string>& nicks, const games::Json& outcome,
                       std::int64_t now_s) {
  store::Port* db = server_.store();
  if (!db) return;
  games::Json moves = games::Json::array();
  for (const auto& m : flow.moves()) moves.push_back(games::Json::array({m.seat, m.text}));
  games::Json players = games::Json::array();
  for (const auto& n : nicks) players.push_back(n);
  games::Json full = outcome;
  full["seed"] = flow.seed();
  full["options"] = games::to_string(flow.options());
  full["round"] = flow.round();
  db->save_result(store::GameResultRow{id_, std::string(flow.game().name()), lobby_, base::json_text(players),
                                       base::json_text(full), base::json_text(moves), flow.started_at(), now_s,
                                       flow.game().version()});
}

}  // namespace lobbyd::core
