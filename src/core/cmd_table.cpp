// Game table commands: TABLE (NEW, LIST, SIT, STAND, START, RESIGN, REMATCH)
// and MOVE. Errors are IRCv3 standard replies: FAIL <COMMAND> <CODE> ... :reason.
#include <vector>

#include "core/commands.h"
#include "core/session.h"
#include "core/table.h"
#include "games/text.h"
#include <fmt/format.h>
#include "proto/format.h"

namespace lobbyd::core::cmd {

namespace {

// A Table command's answer: nothing, or its refusal as a FAIL line.
void answer(Session& s, std::string_view command, std::string_view table, const Refusal& r) {
  if (r) send_fail(s, command, r->code_name(), {table}, r->reason);
}

std::string upper(std::string_view v) {
  std::string out(v);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = char(c - 32);
  return out;
}

// Whether a lobby's `games` list ("" = all) allows this game.
bool allowed(const std::string& list, const games::Game& game) {
  if (list.find_first_not_of(" ,") == std::string::npos) return true;
  std::string_view rest = list;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && games::iequals(item, game.name())) return true;
    for (std::string_view alias : game.aliases())
      if (!item.empty() && games::iequals(item, alias)) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

const char* phase_name(Table::Phase p) {
  switch (p) {
    case Table::Phase::kWaiting: return "waiting";
    case Table::Phase::kPlaying: return "playing";
    case Table::Phase::kOver: return "over";
  }
  return "waiting";
}

void table_new(Session& s, const proto::MessageView& m) {
  if (m.param_count < 3) {
    send_fail(s, "TABLE", "NEED_MORE_PARAMS", {"NEW"}, "Usage: TABLE NEW <#lobby> <game> [key=value ...]");
    return;
  }
  std::string_view lobby_name = m.params[1];
  std::string_view game_name = m.params[2];
  LobbyPtr lobby = s.joined(lobby_name);
  if (!lobby) {
    if (s.server().lobbies().find(lobby_name))
      send_fail(s, "TABLE", "NOT_IN_LOBBY", {lobby_name}, "You must be in the lobby to open a table");
    else
      send_fail(s, "TABLE", "NO_SUCH_LOBBY", {lobby_name}, "No such lobby");
    return;
  }
  auto game = s.server().catalog()->lookup(game_name);
  if (!game) {
    send_fail(s, "TABLE", games::code_name(game.error().code), {game_name}, game.error().reason);
    return;
  }
  if (!allowed(lobby->games(), **game)) {
    send_fail(s, "TABLE", "NOT_ALLOWED", {lobby->name(), (*game)->name()},
         "This lobby does not allow that game");
    return;
  }
  std::vector<std::string_view> args;
  for (std::size_t i = 3; i < m.param_count; ++i) args.push_back(m.params[i]);
  auto setup = games::parse_setup(**game, args);
  if (!setup) {
    send_fail(s, "TABLE", games::code_name(setup.error().code), {(*game)->name()}, setup.error().reason);
    return;
  }
  const Settings& st = s.settings();
  if (s.lobbies().size() >= st.max_lobbies_per_client) {
    send_fail(s, "TABLE", "TOO_MANY_CHANNELS", {}, "You have joined too many channels");
    return;
  }
  Server& server = s.server();
  std::uint64_t id = server.tables().next_id();
  std::string name = "&" + std::to_string(id);
  // Persistent: the table, not the lobby code, removes its channel (a seat
  // held for a disconnected player keeps an empty channel alive).
  auto channel = std::make_shared<Lobby>(name, "", st.created_lobby_capacity, true);
  server.lobbies().insert(channel);
  auto table = std::make_shared<Table>(server, id, lobby->name(), *game, std::move(setup.value()),
                                       s.id(), channel, s.worker());
  table->attach();
  server.tables().insert(table);
  {
    proto::LineBuilder b(s.line());
    b.source(st.server_name).command("TABLE").param("CREATED").param(name).param((*game)->label())
        .param(lobby->name());
    s.send_line(b.finish());
  }
  join_channel(s, name);
  if (!s.joined(name)) {  // could not join: nobody is there, drop the table
    table->discard();
    return;
  }
  answer(s, "TABLE", name, table->sit(s.self(), s.nick()));
}

}  // namespace

// GAMES: what TABLE NEW can open now, compiled-in games first, then the
// game modules (name@version: the version new tables get).
void games_list(Session& s, const proto::MessageView&) {
  const std::string& server_name = s.settings().server_name;
  CatalogPtr catalog = s.server().catalog();
  for (const games::GamePtr& g : catalog->serving()) {
    std::string aliases, options;
    for (std::string_view a : g->aliases()) aliases.append(aliases.empty() ? "" : ",").append(a);
    for (const games::OptionSpec& o : g->option_specs())
      options += fmt::format("{}{}={}..{}", options.empty() ? "" : " ", o.key, o.min, o.max);
    proto::LineBuilder b(s.line());
    b.source(server_name).command("GAMES").param("ENTRY").param(g->label())
        .param(fmt::format("{}-{}", g->min_seats(), g->max_seats())).param(std::to_string(g->default_seats()))
        .param(aliases.empty() ? "*" : aliases).trailing(options);
    s.send_line(b.finish());
  }
  proto::LineBuilder b(s.line());
  b.source(server_name).command("GAMES").param("END").trailing(std::to_string(catalog->serving().size()) + " games");
  s.send_line(b.finish());
}

namespace {

void table_list(Session& s, const proto::MessageView& m) {
  if (m.param_count < 2) {
    send_fail(s, "TABLE", "NEED_MORE_PARAMS", {"LIST"}, "Usage: TABLE LIST <#lobby>");
    return;
  }
  std::string_view lobby_name = m.params[1];
  LobbyPtr lobby = s.server().lobbies().find(lobby_name);
  if (!lobby || lobby_name.empty() || lobby_name[0] != '#') {
    send_fail(s, "TABLE", "NO_SUCH_LOBBY", {lobby_name}, "No such lobby");
    return;
  }
  const std::string& server_name = s.settings().server_name;
  for (const TablePtr& t : s.server().tables().in_lobby(lobby->name())) {
    Table::Summary sum = t->summary();
    proto::LineBuilder b(s.line());
    b.source(server_name).command("TABLE").param("INFO").param(t->name()).param(t->game().label())
        .param(std::to_string(sum.seated) + "/" + std::to_string(sum.seats))
        .param(phase_name(sum.phase));
    s.send_line(b.finish());
  }
  proto::LineBuilder b(s.line());
  b.source(server_name).command("TABLE").param("END").param(lobby->name());
  s.send_line(b.finish());
}

}  // namespace

void table(Session& s, const proto::MessageView& m) {
  std::string sub = upper(m.params[0]);
  if (sub == "NEW") return table_new(s, m);
  if (sub == "LIST") return table_list(s, m);
  bool known = sub == "SIT" || sub == "STAND" || sub == "START" || sub == "RESIGN" || sub == "REMATCH";
  if (!known) {
    send_fail(s, "TABLE", "UNKNOWN_COMMAND", {sub}, "Unknown TABLE subcommand");
    return;
  }
  if (m.param_count < 2) {
    send_fail(s, "TABLE", "NEED_MORE_PARAMS", {sub}, "Usage: TABLE " + sub + " &<id>");
    return;
  }
  std::string_view name = m.params[1];
  TablePtr t = s.server().tables().find(name);
  if (!t) {
    send_fail(s, "TABLE", "NO_SUCH_TABLE", {name}, "No such table");
    return;
  }
  if (sub == "SIT") {
    if (!s.joined(t->name())) {
      Table::Summary sum = t->summary();  // refuse a full table without joining it
      if (sum.seated >= sum.seats) {
        send_fail(s, "TABLE", "TABLE_FULL", {t->name()}, "all seats are taken");
        return;
      }
      join_channel(s, t->name());
      if (!s.joined(t->name())) return;  // the JOIN error was sent
    }
    answer(s, "TABLE", t->name(), t->sit(s.self(), s.nick()));
  } else if (sub == "STAND") {
    answer(s, "TABLE", t->name(), t->stand(&s));
  } else if (sub == "START") {
    answer(s, "TABLE", t->name(), t->start(&s));
  } else if (sub == "RESIGN") {
    answer(s, "TABLE", t->name(), t->resign(&s));
  } else {
    answer(s, "TABLE", t->name(), t->rematch(&s, s.nick()));
  }
}

void move(Session& s, const proto::MessageView& m) {
  std::string_view name = m.params[0];
  TablePtr t = s.server().tables().find(name);
  if (!t) {
    send_fail(s, "MOVE", "NO_SUCH_TABLE", {name}, "No such table");
    return;
  }
  std::string text;
  for (std::size_t i = 1; i < m.param_count; ++i) {
    if (i > 1) text += ' ';
    text += m.params[i];
  }
  answer(s, "MOVE", t->name(), t->move(&s, s.nick(), text));
  s.mark_spoke();
}

}  // namespace lobbyd::core::cmd
