// Restoring unfinished game tables after a restart (or a crash): every
// round that started wrote a `game_tables` row and every accepted move a
// `table_moves` row through the store's queue, and a game's state is a fold
// over its moves, so a table comes back exactly where its log ends. Its
// seats are held for resume_grace_s for the players to log in again.
#include <nlohmann/json.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "core/server.h"
#include "core/table.h"
#include "games/registry.h"

namespace lobbyd::core {

namespace {

struct OpenRow {
  long long id = 0, seats = 0, seed = 0, round = 0, started_at = 0;
  std::string lobby, game, options, players;
};

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto sp = text.find(' ');
    if (sp != 0) out.push_back(text.substr(0, sp));
    if (sp == std::string_view::npos) break;
    text.remove_prefix(sp + 1);
  }
  return out;
}

long long max_of(soci::session& sql, const char* query) {
  long long v = 0;
  soci::indicator ind = soci::i_null;
  sql << query, soci::into(v, ind);
  return ind == soci::i_ok ? v : 0;
}

}  // namespace

std::size_t restore_tables(Server& server, soci::session& sql) {
  // Table ids go on after the highest the database has seen, so that a new
  // table never shares its id (and move log) with an old one.
  long long highest = std::max({max_of(sql, "SELECT MAX(id) FROM game_tables"),
                                max_of(sql, "SELECT MAX(table_id) FROM table_moves"),
                                max_of(sql, "SELECT MAX(table_id) FROM game_results")});
  server.tables().continue_after(static_cast<std::uint64_t>(highest));

  std::vector<OpenRow> rows;
  {
    OpenRow r;
    soci::statement st = (sql.prepare << "SELECT id, lobby, game, options, seats, seed, round, players, started_at "
                                         "FROM game_tables WHERE state = 'playing' ORDER BY id",
                          soci::into(r.id), soci::into(r.lobby), soci::into(r.game), soci::into(r.options),
                          soci::into(r.seats), soci::into(r.seed), soci::into(r.round), soci::into(r.players),
                          soci::into(r.started_at));
    st.execute();
    while (st.fetch()) rows.push_back(r);
  }
  std::size_t restored = 0;
  const auto& workers = server.workers();
  for (const OpenRow& r : rows) {
    auto fail = [&](const std::string& why) {
      spdlog::error("table &{}: cannot restore ({}); marked 'broken'", r.id, why);
      sql << "UPDATE game_tables SET state = 'broken' WHERE id = :id", soci::use(r.id, "id");
    };
    auto game = games::lookup_game(r.game);
    if (!game) {
      fail("unknown game " + r.game);
      continue;
    }
    std::vector<std::string_view> args = split_spaces(r.options);
    auto setup = games::parse_setup(**game, args);
    if (!setup) {
      fail("options: " + setup.error().reason);
      continue;
    }
    setup->seats = static_cast<int>(r.seats);
    Table::Saved saved;
    saved.seed = static_cast<std::uint64_t>(r.seed);
    saved.round = static_cast<int>(r.round);
    saved.started_at = r.started_at;
    try {
      auto players = games::Json::parse(r.players);
      for (const auto& p : players)
        saved.players.emplace_back(p.at("nick").get<std::string>(), p.value("account", std::string()));
    } catch (const std::exception& e) {
      fail(std::string("players: ") + e.what());
      continue;
    }
    {
      int seat = 0;
      std::string move;
      soci::statement st = (sql.prepare << "SELECT seat, move FROM table_moves WHERE table_id = :id AND round = :r "
                                           "ORDER BY ply",
                            soci::use(r.id, "id"), soci::use(r.round, "r"), soci::into(seat), soci::into(move));
      st.execute();
      while (st.fetch()) saved.moves.push_back(games::LoggedMove{seat, move});
    }
    std::string name = "&" + std::to_string(r.id);
    auto channel = std::make_shared<Lobby>(name, "", server.settings_holder().get()->created_lobby_capacity, true);
    net::Worker& timer_worker = *workers[static_cast<std::size_t>(r.id) % workers.size()];
    auto table = std::make_shared<Table>(server, static_cast<std::uint64_t>(r.id), r.lobby, **game,
                                         std::move(setup.value()), Table::kNoCreator, channel,
                                         timer_worker);
    table->attach();
    server.lobbies().insert(channel);
    server.tables().insert(table);
    if (auto err = table->restore(saved); !err.empty()) {
      table->close();
      server.tables().erase(table->id());
      server.lobbies().remove_if_empty(channel);
      fail(err);
      continue;
    }
    ++restored;
    table->remove_if_done();  // a log that ended the game (or only guests were seated)
    spdlog::info("table {} restored: {} in {}, round {}, {} moves replayed", name, r.game, r.lobby, r.round,
                 saved.moves.size());
  }
  return restored;
}

}  // namespace lobbyd::core
