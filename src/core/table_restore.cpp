// Restoring unfinished game tables after a restart (or a crash): every
// round that started wrote a `game_tables` row and every accepted move a
// `table_moves` row through the store's queue, and a game's state is a fold
// over its moves, so a table comes back exactly where its log ends. Its
// seats are held for resume_grace_s for the players to log in again.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/server.h"
#include "core/table.h"
#include <fmt/format.h>

namespace lobbyd::core {

namespace {

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

}  // namespace

std::size_t restore_tables(Server& server, const store::StartState& state) {
  // Table ids go on after the highest the database has seen, so that a new
  // table never shares its id (and move log) with an old one.
  server.tables().continue_after(state.highest_table_id);
  std::size_t restored = 0;
  const auto& workers = server.workers();
  for (const store::SavedTable& open : state.open_tables) {
    const store::TableRound& r = open.round;
    auto fail = [&](const std::string& why) {
      spdlog::error("table &{}: cannot restore ({}); marked 'broken'", r.id, why);
      if (server.store()) server.store()->mark_table_broken(r.id);
    };
    // The version the table started with, not the newest: a restart must
    // replay the log with the code that wrote it.
    games::GamePtr game = server.catalog()->find_version(r.game, r.game_version);
    if (!game) {
      fail(r.game_version == 0 ? "unknown game " + r.game
                               : fmt::format("game module {}@{} is not loaded (its row is gone or refused)",
                                             r.game, r.game_version));
      continue;
    }
    std::vector<std::string_view> args = split_spaces(r.options);
    auto setup = games::parse_setup(*game, args);
    if (!setup) {
      fail("options: " + setup.error().reason);
      continue;
    }
    setup->seats = r.seats;
    Table::Saved saved;
    saved.seed = r.seed;
    saved.round = r.round;
    saved.started_at = r.started_at;
    try {
      auto players = games::Json::parse(r.players);
      for (const auto& p : players)
        saved.players.emplace_back(p.at("nick").get<std::string>(), p.value("account", std::string()));
    } catch (const std::exception& e) {
      fail(std::string("players: ") + e.what());
      continue;
    }
    for (const auto& m : open.moves) saved.moves.push_back(games::LoggedMove{m.seat, m.text});
    std::string name = "&" + std::to_string(r.id);
    auto channel = std::make_shared<Lobby>(name, "", server.settings_holder().get()->created_lobby_capacity, true);
    net::Worker& timer_worker = *workers[r.id % workers.size()];
    auto table = std::make_shared<Table>(server, r.id, r.lobby, game,
                                         std::move(setup.value()), Table::kNoCreator, channel,
                                         timer_worker);
    table->attach();
    server.lobbies().insert(channel);
    server.tables().insert(table);
    if (auto err = table->restore(saved); !err.empty()) {
      table->discard();
      fail(err);
      continue;
    }
    ++restored;
    table->remove_if_done();  // a log that ended the game (or only guests were seated)
    spdlog::info("table {} restored: {} in {}, round {}, {} moves replayed", name, game->label(), r.lobby, r.round,
                 saved.moves.size());
  }
  return restored;
}

}  // namespace lobbyd::core
