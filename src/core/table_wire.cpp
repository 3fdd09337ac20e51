#include "core/table_wire.h"

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "proto/format.h"

namespace lobbyd::core::table_wire {

namespace {

std::string line(const Wire& w, std::string_view command, std::string_view first, std::string_view second,
                 std::initializer_list<std::string_view> args) {
  std::string out;
  proto::LineBuilder b(out);
  b.source(w.server_name).command(command).param(first).param(second);
  for (std::string_view a : args) b.param(a);
  b.finish();  // nicks and numbers only: far below the limit
  return out;
}

games::Json nicks(const TableFlow& flow) {
  games::Json players = games::Json::array();
  for (const auto& x : flow.seats()) players.push_back(x.nick);
  return players;
}

}  // namespace

std::string table_line(const Wire& w, std::string_view verb, std::initializer_list<std::string_view> args) {
  return line(w, "TABLE", verb, w.table, args);
}

std::string game_line(const Wire& w, std::string_view verb, std::initializer_list<std::string_view> args) {
  return line(w, "GAME", w.table, verb, args);
}

std::string game_json_line(const Wire& w, std::string_view verb, const std::string& json) {
  // Views grow with the game (a crazy-eights hand, legal moves, later a Lua
  // module's state): one over the line limit goes out in MORE parts instead
  // of being cut. The limit is the one clients are held to (max_line_bytes).
  std::string head;
  head.reserve(w.server_name.size() + w.table.size() + 16);
  head.append(":").append(w.server_name).append(" GAME ").append(w.table).append(" ");
  std::size_t verb_at = head.size();
  head.append(verb);
  std::string head_more = head.substr(0, verb_at) + "MORE";
  return proto::split_trailing(head, head_more, json, w.max_line);
}

std::string start_line(const Wire& w, const TableFlow& flow, bool resumed) {
  // No seed here: it determines the deck, so it would show every hand. It
  // is published in OVER, where it lets anyone replay and check the game.
  games::Json start{{"game", flow.game().name()},
                    {"seats", flow.seats().size()},
                    {"players", nicks(flow)},
                    {"options", games::to_string(flow.options())},
                    {"round", flow.round()}};
  // A game module names its version: a rematch or a restored table plays
  // the version it started with, whatever is newer (docs/modules.md).
  if (int v = flow.game().version(); v != 0) {
    start["version"] = v;
    start["module"] = flow.game().label();
  }
  if (resumed) start["resumed"] = true;
  return game_json_line(w, "START", base::json_text(start));
}

std::string state_line(const Wire& w, const games::State& state, int seat) {
  return game_json_line(w, "STATE", state.view_text(seat));
}

std::string turn_line(const Wire& w, std::string_view nick, std::int64_t deadline_ms) {
  return game_line(w, "TURN", {nick, std::to_string(deadline_ms)});
}

games::Json over_json(const TableFlow& flow, const ev::Over& over, const Rated& rated) {
  const games::Result& res = over.result;
  games::Json out = games::to_json(res);
  games::Json players = games::Json::array();
  for (const auto& n : over.nicks) players.push_back(n);
  out["winner"] = res.winner >= 0 ? games::Json(over.nicks[res.winner]) : games::Json(nullptr);
  out["winner_seat"] = res.winner >= 0 ? games::Json(res.winner) : games::Json(nullptr);
  out["players"] = players;
  out["ply"] = flow.state()->ply();
  out["seed"] = flow.seed();  // now that nothing is hidden any more: the game can be replayed
  games::Json change = games::Json::array(), rating = games::Json::array();
  bool any = false;
  for (std::size_t i = 0; i < rated.change.size(); ++i) {
    if (rated.change[i]) {
      any = true;
      change.push_back(*rated.change[i]);
      rating.push_back(rated.rating[i] ? games::Json(*rated.rating[i]) : games::Json(nullptr));
    } else {
      change.push_back(nullptr);
      rating.push_back(nullptr);
    }
  }
  out["rated"] = any;
  out["rating_change"] = change;
  out["rating"] = rating;
  return out;
}

}  // namespace lobbyd::core::table_wire
