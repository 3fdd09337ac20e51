#include "core/game_catalog.h"

#include <fmt/format.h>

#include "base/ascii.h"
#include "games/registry.h"
#include "games/text.h"

namespace lobbyd::core {

namespace {

// A compiled-in game as a GamePtr: it lives for the whole process, so the
// pointer owns nothing (the aliasing constructor with an empty owner).
GamePtr unowned(const games::Game* g) { return GamePtr(std::shared_ptr<void>(), g); }

bool names(const games::Game& g, std::string_view name) {
  if (games::iequals(g.name(), name)) return true;
  for (std::string_view a : g.aliases())
    if (games::iequals(a, name)) return true;
  return false;
}

}  // namespace

// Module names as game names are: short, lower-case letters, digits and '_'
// (they appear in TABLE lines, ratings and URLs).
std::optional<std::string> module_name_problem(std::string_view name) {
  if (name.empty() || name.size() > 32) return "a module name has 1 to 32 characters";
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return fmt::format("module name '{}': only a-z, 0-9 and '_'", name);
  return std::nullopt;
}

std::shared_ptr<const GameCatalog> GameCatalog::builtin() {
  auto c = std::make_shared<GameCatalog>();
  for (const games::Game* g : games::all_games()) c->serving_.push_back(unowned(g));
  return c;
}

GamePtr GameCatalog::find(std::string_view name) const {
  for (const GamePtr& g : serving_)
    if (names(*g, name)) return g;
  return nullptr;
}

games::Expected<GamePtr> GameCatalog::lookup(std::string_view name) const {
  if (GamePtr g = find(name)) return g;
  std::string known;
  for (const GamePtr& g : serving_) {
    if (!known.empty()) known += ", ";
    known += g->name();
  }
  return games::Error{games::Code::kUnknownGame, "no game " + games::quoted(name) + " (games: " + known + ")"};
}

GamePtr GameCatalog::find_version(std::string_view name, int version) const {
  if (version == 0) {
    const games::Game* g = games::find_game(name);
    return g ? unowned(g) : nullptr;
  }
  auto it = versions_.find({base::ascii_lower(name), version});
  return it == versions_.end() ? nullptr : it->second;
}

std::optional<std::string> ModuleLibrary::load(const store::ModuleRow& row, const modules::Limits& limits,
                                               std::vector<Event>& events) {
  std::string label = fmt::format("{}@{}", row.name, row.version);
  if (auto why = module_name_problem(row.name)) return why;
  if (row.version < 1 || row.version > 1'000'000'000) return "the version must be a number from 1";
  if (row.source.size() > kMaxSourceBytes)
    return fmt::format("the source has {} bytes; at most {} are accepted", row.source.size(), kMaxSourceBytes);
  if (games::find_game(row.name)) return fmt::format("'{}' is a compiled-in game", row.name);
  auto game = modules::LuaGame::load(row.source, static_cast<int>(row.version), limits, row.name);
  if (!game) return game.error().reason;
  const modules::LuaGame& g = **game;
  if (g.name() != row.name)
    return fmt::format("the module calls itself '{}', its row '{}': they must agree", g.name(), row.name);
  for (std::string_view alias : g.aliases()) {
    if (games::find_game(alias)) return fmt::format("alias '{}' names a compiled-in game", alias);
    for (const auto& [key, other] : loaded_)
      if (key.first != row.name && names(*other.game, alias))
        return fmt::format("alias '{}' names the module '{}'", alias, other.game->name());
  }
  for (const auto& [key, other] : loaded_)
    if (key.first != row.name && names(*other.game, row.name))
      return fmt::format("'{}' is an alias of the module '{}'", row.name, other.game->name());
  loaded_[{row.name, static_cast<int>(row.version)}] = Loaded{row.source, std::move(game.value())};
  events.push_back(Event{std::move(label), {}});
  return std::nullopt;
}

ModuleLibrary::Applied ModuleLibrary::apply(const std::vector<store::ModuleRow>& rows,
                                            const modules::Limits& limits) {
  Applied out;
  auto catalog = std::make_shared<GameCatalog>(*GameCatalog::builtin());
  std::map<std::string, GamePtr> newest;  // name -> newest active version that loaded
  std::map<std::int64_t, std::pair<std::string, std::string>> refused;
  for (const store::ModuleRow& row : rows) {
    std::optional<std::string> error;
    auto key = std::pair{row.name, static_cast<int>(row.version)};
    auto it = loaded_.find(key);
    if (it != loaded_.end()) {
      // A version is its source: tables run it and a restart must find the
      // same code, so a loaded version's row cannot change its code.
      if (it->second.source != row.source)
        error = fmt::format("version {} is loaded and may be in use; its source cannot change: insert version {} "
                            "(the loaded source stays in service)",
                            row.version, row.version + 1);
    } else if (auto was = refused_.find(row.id); was != refused_.end() && was->second.first == row.source) {
      error = was->second.second;  // refused before, unchanged: not compiled again
    } else {
      error = load(row, limits, out.events);
      if (error) out.events.push_back(Event{fmt::format("{}@{}", row.name, row.version), *error});
    }
    if (error && loaded_.find(key) == loaded_.end()) refused[row.id] = {row.source, *error};

    ModuleInfo info{row.name, static_cast<int>(row.version), row.active, false, error.value_or("")};
    if (auto l = loaded_.find(key); l != loaded_.end()) {
      GamePtr g = l->second.game;
      catalog->versions_[key] = g;
      if (row.active) newest[row.name] = g;  // rows come by name, then version
    }
    catalog->modules_.push_back(std::move(info));
    if (error != row.error) out.writes.push_back(ErrorWrite{row.id, error});
  }
  refused_ = std::move(refused);
  // A version whose row is gone is no longer ours to keep compiled: tables
  // that run it hold it through their GamePtr until they end.
  std::erase_if(loaded_, [&](const auto& kv) { return !catalog->versions_.contains(kv.first); });
  for (auto& [name, g] : newest) {
    catalog->serving_.push_back(g);
    for (ModuleInfo& m : catalog->modules_)
      if (m.name == name && m.version == g->version()) m.serving = true;
  }
  out.catalog = std::move(catalog);
  return out;
}

}  // namespace lobbyd::core
