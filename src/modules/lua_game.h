#pragma once
// A game written in Lua (docs/modules.md): one module source, compiled and
// checked once into a LuaGame, which is a games::Game like the compiled-in
// ones. Every table (State) runs in a Lua state of its own, so one table's
// globals, memory and instruction budget never touch another's, and a table
// keeps the LuaGame (the version of the code) it started with for as long
// as it lives, whatever newer version is loaded meanwhile.
//
// A module that fails (an error, a budget, a malformed value, a view that
// is not JSON) never takes the server down: the move that made it fail gets
// MODULE_ERROR, and the state is marked broken (module_error() says why):
// from then on it is over, reason "module_error", nobody wins.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "games/game.h"
#include "modules/lua_vm.h"

namespace lobbyd::modules {

class LuaGame final : public games::Game, public std::enable_shared_from_this<LuaGame> {
 public:
  // Compiles `source`, reads the module's description and runs the
  // load-time self-check: initial states for the smallest, default and
  // largest seat counts, every view JSON, and two seeded random playouts
  // that must agree move by move (and with a replay of their log). The
  // error (MODULE_ERROR) says why a module is refused, with the Lua message
  // and line where there is one.
  // `name`: what the row or file calls it, for error messages until the
  // module's own name is read ("name@version:line: ...").
  static games::Expected<std::shared_ptr<const LuaGame>> load(std::string_view source, int version,
                                                              const Limits& limits = {},
                                                              std::string_view name = {});

  std::string_view name() const override { return name_; }
  std::span<const std::string_view> aliases() const override { return alias_views_; }
  int min_seats() const override { return min_seats_; }
  int max_seats() const override { return max_seats_; }
  int default_seats() const override { return default_seats_; }
  std::span<const games::OptionSpec> option_specs() const override { return specs_; }

  int version() const noexcept override { return version_; }
  const std::string& source() const noexcept { return source_; }
  const Limits& limits() const noexcept { return limits_; }
  bool has_forfeit() const noexcept { return has_forfeit_; }
  // The module declares that no seat sees more than a spectator: the host
  // asks view(state, nil) once per change and sends it to every seat.
  bool perfect_information() const noexcept { return perfect_information_; }
  // One per option spec: what init sees when a table does not set it.
  const std::vector<int>& option_defaults() const noexcept { return option_defaults_; }

 protected:
  games::Expected<std::unique_ptr<games::State>> make_initial(std::uint64_t seed,
                                                             const games::Options& options,
                                                             int seats) const override;

 private:
  LuaGame() = default;
  std::optional<std::string> self_check() const;

  std::string source_;
  int version_ = 0;
  Limits limits_;
  std::string name_;
  std::vector<std::string> aliases_, spec_text_;
  std::vector<std::string_view> alias_views_;
  std::vector<games::OptionSpec> specs_;
  std::vector<int> option_defaults_;
  int min_seats_ = 0, max_seats_ = 0, default_seats_ = 0;
  bool has_forfeit_ = false;
  bool perfect_information_ = false;
};

// A table's game in a Lua state. Created by LuaGame::initial().
class LuaState final : public games::State {
 public:
  ~LuaState() override;
  std::unique_ptr<games::State> clone() const override;
  int to_move() const override;
  std::vector<std::string> legal_moves() const override;
  games::Result result() const override;
  games::Json view(int seat) const override;
  // The host's fields, then the module's view fields as text straight from
  // the Lua table (no JSON tree, no merge); what view() is, as text.
  std::string view_text(int seat) const override;
  games::Json snapshot() const override;

  // Why the module can no longer be trusted with this table, if it cannot.
  const std::optional<std::string>& module_error() const noexcept { return broken_; }
  const LuaGame& lua_game() const noexcept { return *game_; }
  std::size_t memory_used() const noexcept { return vm_->memory_used(); }

 protected:
  games::Expected<std::string> apply_move(int seat, std::string_view text) override;
  games::Expected<std::string> apply_forfeit(int seat, games::Forfeit why) override;

 private:
  friend class LuaGame;
  LuaState(std::shared_ptr<const LuaGame> game, std::unique_ptr<LuaVm> vm, int seats,
           std::uint64_t seed, const games::Options& options);
  std::optional<std::string> init();
  // Reads to_move and result after a change (and after init); a failure
  // breaks the state.
  void refresh();
  games::Error fail(std::string why) const;  // breaks the state; the move's MODULE_ERROR
  // The module's own view (null once broken; a failure breaks the state).
  games::Json module_view(int seat) const;
  // The module's view members as `,"key":value` text (view_text); false
  // once broken (a failure breaks the state).
  bool module_view_members(int seat, std::string& out) const;
  void changed() const;  // drops what was computed for the state before

  std::shared_ptr<const LuaGame> game_;  // keeps this version alive
  std::unique_ptr<LuaVm> vm_;
  int module_ref_ = -1;  // the module table, in the registry
  int state_ref_ = -1;   // the module's state value, in the registry
  std::uint64_t seed_;
  games::Options options_;
  games::Rng rng_;
  std::vector<games::LoggedMove> log_;  // for clone(): the fold again

  // Read after every change; mutable as a failing view() breaks the state.
  mutable int to_move_ = games::kNoSeat;
  mutable games::Result result_;
  mutable std::optional<std::vector<std::string>> legal_;  // computed on demand
  // perfect_information: the module's view since the last change.
  mutable std::unique_ptr<games::Json> public_view_;  // null: ask the module
  mutable std::optional<std::string> public_text_;   // its members as text (view_text)
  mutable std::optional<std::string> broken_;
};

}  // namespace lobbyd::modules
