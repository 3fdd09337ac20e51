#pragma once
// The games a table can play right now: the compiled-in ones (src/games)
// and the game modules loaded from the `game_modules` table
// (docs/modules.md). A GameCatalog is an immutable snapshot: the store
// thread builds a new one when a module row changes (ModuleLibrary) and
// publishes it; event loops read the current one for TABLE NEW, GAMES, TOP
// and lobby game lists, and a table keeps its game (one version of a
// module) alive through its shared_ptr for as long as the table lives.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "games/game.h"
#include "modules/lua_game.h"
#include "store/rows.h"

namespace lobbyd::core {

using GamePtr = games::GamePtr;

// One module version as the admin page and /api/status show it.
struct ModuleInfo {
  std::string name;
  int version = 0;
  bool active = false;
  bool serving = false;  // the version new tables get
  std::string error;     // empty: loaded
};

// Why `name` cannot name a game module (1-32 of a-z, 0-9, '_'), or nullopt.
std::optional<std::string> module_name_problem(std::string_view name);

class GameCatalog {
 public:
  // Only the compiled-in games.
  static std::shared_ptr<const GameCatalog> builtin();

  // What new tables get for this name or alias (case-insensitive): a
  // compiled-in game, or the newest active version of a module; nullptr if none.
  GamePtr find(std::string_view name) const;
  // find() as a value: UNKNOWN_GAME names the games there are.
  games::Expected<GamePtr> lookup(std::string_view name) const;
  // A given version (0: compiled-in), active or not: what a restored table
  // plays; nullptr if that version is not loaded.
  GamePtr find_version(std::string_view name, int version) const;

  // Every game new tables can get: compiled-in first, then modules by name.
  const std::vector<GamePtr>& serving() const noexcept { return serving_; }
  // Every module version in the database, by name and version.
  const std::vector<ModuleInfo>& modules() const noexcept { return modules_; }

 private:
  friend class ModuleLibrary;
  std::vector<GamePtr> serving_;
  std::map<std::pair<std::string, int>, GamePtr> versions_;  // folded name, version (modules only)
  std::vector<ModuleInfo> modules_;
};

using CatalogPtr = std::shared_ptr<const GameCatalog>;

// Publishes catalog snapshots to the event loops (as SettingsHolder does).
class CatalogHolder {
 public:
  CatalogHolder() : current_(GameCatalog::builtin()) {}
  CatalogPtr get() const { return std::atomic_load(&current_); }
  void publish(CatalogPtr next) { std::atomic_store(&current_, std::move(next)); }

 private:
  CatalogPtr current_;
};

// The store thread's side: loads module rows into LuaGames, once per
// (name, version, source), and builds the catalogs. Owned by the control
// plane; used on the store thread only (and before the event loops run).
class ModuleLibrary {
 public:
  // What a row's `error` column must say now (nullopt: it loaded).
  struct ErrorWrite {
    std::int64_t row_id = 0;
    std::optional<std::string> error;
  };
  // A new version that loaded, or one refused, for the log.
  struct Event {
    std::string label;  // "name@version"
    std::string error;  // empty: loaded
  };
  struct Applied {
    CatalogPtr catalog;
    std::vector<ErrorWrite> writes;
    std::vector<Event> events;
  };

  // The largest source accepted (a module is a rules engine, not a data file).
  static constexpr std::size_t kMaxSourceBytes = 256 * 1024;

  // Applies every row of game_modules; limits apply to versions loaded now.
  Applied apply(const std::vector<store::ModuleRow>& rows, const modules::Limits& limits);

 private:
  struct Loaded {
    std::string source;
    std::shared_ptr<const modules::LuaGame> game;
  };
  // Why a row cannot be loaded, or nullopt after loading it into loaded_.
  std::optional<std::string> load(const store::ModuleRow& row, const modules::Limits& limits,
                                  std::vector<Event>& events);

  std::map<std::pair<std::string, int>, Loaded> loaded_;  // folded name, version
  // Rows refused before, by id: the source and why (not compiled again
  // while the source stays the same).
  std::map<std::int64_t, std::pair<std::string, std::string>> refused_;
};

}  // namespace lobbyd::core
