#include "modules/lua_game.h"

#include <lua.hpp>

#include <algorithm>
#include <climits>
#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "base/json_text.h"
#include "base/json_writer.h"
#include "base/utf8.h"
#include "modules/lua_json.h"

namespace lobbyd::modules {

using games::Code;
using games::Error;
using games::Expected;
using games::Json;

namespace {

constexpr int kNoArg = INT_MIN;          // CallSpec::seat: not passed
constexpr int kMaxModuleSeats = 16;
constexpr std::size_t kMaxMoveText = 200;
constexpr int kSelfCheckPlies = 500;
constexpr std::uint64_t kSelfCheckSeed = 0x5eed;

Error refusal(std::string why) { return Error{Code::kModuleError, std::move(why)}; }

// One line for a FAIL or a log: control bytes become '?', at most 300 bytes,
// never a cut UTF-8 sequence.
std::string one_line(std::string_view s) {
  std::string out = base::to_utf8(s.substr(0, std::min<std::size_t>(s.size(), 300)));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 32 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A call into the module: module[fn](state [, seat] [, text]).
struct CallSpec {
  int module_ref;
  int state_ref;
  const char* fn;
  int seat;  // kNoArg, games::kSpectator (nil) or a seat
  const char* text = nullptr;
  std::size_t text_len = 0;
  int nresults = 1;

  int operator()(lua_State* L) const {
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, module_ref);
    lua_getfield(L, 1, fn);
    lua_rawgeti(L, LUA_REGISTRYINDEX, state_ref);
    int nargs = 1;
    if (seat != kNoArg) {
      if (seat == games::kSpectator) lua_pushnil(L);
      else lua_pushinteger(L, seat);
      ++nargs;
    }
    if (text != nullptr) {
      lua_pushlstring(L, text, text_len);
      ++nargs;
    }
    lua_call(L, nargs, nresults);
    return nresults;
  }
};

// The module table (the chunk's result, passed as the argument) into the
// registry.
struct RefTop {
  int ref = LUA_NOREF;
  int operator()(lua_State* L) {
    ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
  }
};

// The module's description: its data fields as JSON, which functions it has.
struct Describe {
  int module_ref;
  Json name, aliases, seats, options, perfect_information;
  bool init = false, play = false, view = false, to_move = false, result = false,
       legal_moves = false, forfeit = false;
  std::optional<std::string> error;

  int operator()(lua_State* L) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, module_ref);
    const int mod = lua_gettop(L);
    struct Field {
      const char* key;
      Json* json;
    };
    const Field data[] = {{"name", &name}, {"aliases", &aliases}, {"seats", &seats}, {"options", &options},
                          {"perfect_information", &perfect_information}};
    for (const Field& f : data) {
      lua_getfield(L, mod, f.key);
      if (!error) error = lua_to_json(L, -1, *f.json);
      if (error) *error = std::string("field '") + f.key + "': " + *error;
      lua_pop(L, 1);
      if (error) return 0;
    }
    struct Fn {
      const char* key;
      bool* has;
    };
    const Fn fns[] = {{"init", &init},     {"play", &play},     {"view", &view},
                      {"to_move", &to_move}, {"result", &result}, {"legal_moves", &legal_moves},
                      {"forfeit", &forfeit}};
    for (const Fn& f : fns) {
      *f.has = lua_getfield(L, mod, f.key) == LUA_TFUNCTION;
      lua_pop(L, 1);
    }
    return 0;
  }
};

// module.init(ctx) with ctx = {seats = n, options = {key = int, ...}}; the
// state it returns into the registry.
struct Init {
  int module_ref;
  int seats;
  const games::Options* options;
  std::span<const games::OptionSpec> specs;
  const std::vector<int>* defaults;
  int state_ref = LUA_NOREF;

  int operator()(lua_State* L) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, module_ref);
    lua_getfield(L, -1, "init");
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, seats);
    lua_setfield(L, -2, "seats");
    lua_createtable(L, 0, static_cast<int>(specs.size()));
    for (std::size_t i = 0; i < specs.size(); ++i) {
      // Every option the module declares: the table's value (checked
      // already: an integer in range) or the module's default.
      lua_pushinteger(L, games::option_int(*options, specs[i].key, (*defaults)[i]));
      lua_setfield(L, -2, specs[i].key.data());  // NUL-terminated: LuaGame::spec_text_
    }
    lua_setfield(L, -2, "options");
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1)) {
      return luaL_error(L, "init must return a table (the game's state), not a %s", luaL_typename(L, -1));
    }
    state_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
  }
};

struct Unref {
  int ref;
  int operator()(lua_State* L) const {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return 0;
  }
};

// Reads an integer out of JSON, within [lo, hi].
std::optional<int> int_in(const Json& j, int lo, int hi) {
  if (!j.is_number_integer()) return std::nullopt;
  const auto v = j.get<std::int64_t>();
  if (v < lo || v > hi) return std::nullopt;
  return static_cast<int>(v);
}

}  // namespace

// ---- LuaGame -----------------------------------------------------------

Expected<std::shared_ptr<const LuaGame>> LuaGame::load(std::string_view source, int version,
                                                        const Limits& limits, std::string_view name) {
  std::shared_ptr<LuaGame> g(new LuaGame());
  g->source_.assign(source);
  g->version_ = version;
  g->limits_ = limits;

  std::unique_ptr<LuaVm> vm = LuaVm::create(limits);
  if (!vm) return refusal("the memory limit is too small for a Lua state");
  // Until the module has said its name, its errors say the one it is loaded as.
  const std::string chunk = "=" + std::string(name.empty() ? "module" : name) + "@" + std::to_string(version);
  if (auto e = vm->run_chunk(source, chunk, 1)) return refusal(one_line(*e));
  if (!lua_istable(vm->L(), -1)) {
    return refusal(std::string("the module must return a table, not a ") +
                        luaL_typename(vm->L(), -1));
  }
  RefTop ref;
  if (auto e = vm->protect(ref, 0, 1)) return refusal(one_line(*e));
  Describe d;
  d.module_ref = ref.ref;
  if (auto e = vm->protect(d)) return refusal(one_line(*e));
  if (d.error) return refusal(one_line(*d.error));

  // name, aliases
  if (!d.name.is_string() || !valid_name(d.name.get<std::string>())) {
    return refusal("'name' must be a string of 1-32 characters a-z, 0-9, _ starting with a letter");
  }
  g->name_ = d.name.get<std::string>();
  if (!d.aliases.is_null()) {
    if (!d.aliases.is_array()) return refusal("'aliases' must be a list of names");
    for (const Json& a : d.aliases) {
      if (!a.is_string() || !valid_name(a.get<std::string>())) {
        return refusal("every alias must be a name like 'name'");
      }
      g->aliases_.push_back(a.get<std::string>());
    }
  }
  // seats = n or {min = , max = , default = }
  if (auto n = int_in(d.seats, 1, kMaxModuleSeats)) {
    g->min_seats_ = g->max_seats_ = g->default_seats_ = *n;
  } else if (d.seats.is_object()) {
    auto lo = d.seats.contains("min") ? int_in(d.seats["min"], 1, kMaxModuleSeats) : std::nullopt;
    auto hi = d.seats.contains("max") ? int_in(d.seats["max"], 1, kMaxModuleSeats) : lo;
    auto def = d.seats.contains("default") ? int_in(d.seats["default"], 1, kMaxModuleSeats) : lo;
    if (!lo || !hi || !def || *lo > *hi || *def < *lo || *def > *hi) {
      return refusal("'seats' must be {min = a, max = b, default = c} with 1 <= a <= c <= b <= " +
                          std::to_string(kMaxModuleSeats));
    }
    g->min_seats_ = *lo;
    g->max_seats_ = *hi;
    g->default_seats_ = *def;
  } else {
    return refusal("'seats' must be a number 1-" + std::to_string(kMaxModuleSeats) +
                        " or {min = , max = , default = }");
  }
  // options = {{key = , min = , max = , default = , help = }, ...}
  std::vector<int> defaults;
  if (!d.options.is_null()) {
    if (!d.options.is_array()) return refusal("'options' must be a list of {key = , min = , max = }");
    for (const Json& o : d.options) {
      const bool ok_key = o.is_object() && o.contains("key") && o["key"].is_string() &&
                          valid_name(o["key"].get<std::string>()) && o["key"] != "seats";
      auto lo = ok_key && o.contains("min") ? int_in(o["min"], INT_MIN + 1, INT_MAX) : std::nullopt;
      auto hi = ok_key && o.contains("max") ? int_in(o["max"], INT_MIN + 1, INT_MAX) : std::nullopt;
      if (!ok_key || !lo || !hi || *lo > *hi) {
        return refusal("every option must be {key = 'name' (not 'seats'), min = a, max = b} with a <= b");
      }
      auto def = o.contains("default") ? int_in(o["default"], *lo, *hi) : lo;
      if (!def) return refusal("option '" + o["key"].get<std::string>() + "': default out of range");
      const std::string help = o.contains("help") && o["help"].is_string() ? o["help"].get<std::string>() : "";
      g->spec_text_.push_back(o["key"].get<std::string>());
      g->spec_text_.push_back(help);
      g->specs_.push_back({{}, *lo, *hi, {}});
      defaults.push_back(*def);
    }
  }
  // The option specs' views point into spec_text_, which no longer grows.
  for (std::size_t i = 0; i < g->specs_.size(); ++i) {
    g->specs_[i].key = g->spec_text_[2 * i];
    g->specs_[i].help = g->spec_text_[2 * i + 1];
  }
  g->option_defaults_ = std::move(defaults);  // what init sees when a table gives none
  for (std::string& a : g->aliases_) g->alias_views_.push_back(a);

  const std::pair<bool, const char*> required[] = {
      {d.init, "init"},     {d.play, "play"},       {d.view, "view"},
      {d.to_move, "to_move"}, {d.result, "result"}, {d.legal_moves, "legal_moves"}};
  for (const auto& [has, fn] : required) {
    if (!has) return refusal(std::string("the module has no function '") + fn + "'");
  }
  g->has_forfeit_ = d.forfeit;
  if (!d.perfect_information.is_null() && !d.perfect_information.is_boolean()) {
    return refusal("'perfect_information' must be true or false");
  }
  g->perfect_information_ = d.perfect_information.is_boolean() && d.perfect_information.get<bool>();
  if (!g->has_forfeit_ && g->max_seats_ > 2) {
    return refusal("a game for more than two seats must define forfeit(state, seat, why)");
  }
  if (auto e = g->self_check()) return refusal("self-check: " + *e);
  return std::shared_ptr<const LuaGame>(std::move(g));
}

Expected<std::unique_ptr<games::State>> LuaGame::make_initial(std::uint64_t seed,
                                                               const games::Options& options,
                                                               int seats) const {
  std::unique_ptr<LuaVm> vm = LuaVm::create(limits_);
  if (!vm) return refusal("the memory limit is too small for a Lua state");
  if (auto e = vm->run_chunk(source_, "=" + label(), 1)) return refusal(one_line(*e));
  std::unique_ptr<LuaState> s(new LuaState(shared_from_this(), std::move(vm), seats, seed, options));
  if (auto e = s->init()) return refusal(label() + ": " + one_line(*e));
  return {std::move(s)};
}

std::optional<std::string> LuaGame::self_check() const {
  std::vector<int> counts{min_seats_, default_seats_, max_seats_};
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  for (int seats : counts) {
    // Two seeded random playouts that must agree move by move.
    std::vector<games::LoggedMove> logs[2];
    std::string views[2];
    for (int run = 0; run < 2; ++run) {
      auto st = initial(kSelfCheckSeed, {}, seats);
      if (!st) return "init with " + std::to_string(seats) + " seats: " + st.error().reason;
      games::State& s = *st.value();
      games::Rng pick(kSelfCheckSeed);  // the same picks both times
      for (int ply = 0; ply <= kSelfCheckPlies; ++ply) {
        const auto& lua = static_cast<const LuaState&>(s);
        std::string spectator;
        for (int seat = games::kSpectator; seat < seats; ++seat) {
          // The module itself, twice: view() would answer the second time
          // from its cache.
          const std::string once = lua.module_view(seat).dump();
          if (lua.module_error()) return "ply " + std::to_string(ply) + ": " + *lua.module_error();
          if (lua.module_view(seat).dump() != once) {
            return "ply " + std::to_string(ply) + ": view(" + std::to_string(seat) +
                   ") gave two different answers for the same state";
          }
          if (seat == games::kSpectator) spectator = once;
          else if (perfect_information_ && once != spectator) {
            return "ply " + std::to_string(ply) + ": perfect_information is declared, but view(" +
                   std::to_string(seat) + ") differs from the spectator's view(nil)";
          }
          views[run] += once;
          views[run] += s.view(seat).dump();  // and through the host, as tables send it
        }
        if (lua.module_error()) return "ply " + std::to_string(ply) + ": " + *lua.module_error();
        if (s.result().over || ply == kSelfCheckPlies) break;
        std::vector<std::string> legal = s.legal_moves();
        if (lua.module_error()) return "legal_moves: " + *lua.module_error();
        if (legal.empty()) {
          return "ply " + std::to_string(ply) + ": no legal moves, and the game is not over";
        }
        const int mover = s.to_move();
        const std::string& move = legal[pick.below(legal.size())];
        auto played = s.play(mover, move);
        if (!played) {
          return "ply " + std::to_string(ply) + ": its own legal move '" + move + "' was refused: " +
                 std::string(games::code_name(played.error().code)) + " " + played.error().reason;
        }
        logs[run].push_back({mover, played.value()});
      }
    }
    if (views[0] != views[1] || logs[0].size() != logs[1].size()) {
      return "two playouts from the same seed differ (does the module keep state outside its "
             "state table, or use pairs order?)";
    }
    auto again = games::replay(*this, kSelfCheckSeed, {}, seats, logs[0]);
    if (!again) return "a replay of its own playout failed: " + again.error().reason;
  }
  return std::nullopt;
}

// ---- LuaState ----------------------------------------------------------

LuaState::LuaState(std::shared_ptr<const LuaGame> game, std::unique_ptr<LuaVm> vm, int seats,
                   std::uint64_t seed, const games::Options& options)
    : State(*game, seats), game_(std::move(game)), vm_(std::move(vm)), seed_(seed),
      options_(options), rng_(seed) {
  vm_->set_rng(&rng_);
}

LuaState::~LuaState() = default;  // the Lua state goes with vm_

std::optional<std::string> LuaState::init() {
  RefTop ref;
  if (auto e = vm_->protect(ref, 0, 1)) return e;
  module_ref_ = ref.ref;
  Init in{module_ref_, seats(), &options_, game_->option_specs(), &game_->option_defaults()};
  vm_->allow_random(true);
  auto e = vm_->protect(in);
  vm_->allow_random(false);
  if (e) return e;
  state_ref_ = in.state_ref;
  refresh();
  return broken_;
}

void LuaState::changed() const {
  legal_.reset();
  public_view_.reset();
  public_text_.reset();
}

void LuaState::refresh() {
  changed();
  if (broken_) return;
  CallSpec r{module_ref_, state_ref_, "result", kNoArg};
  if (auto e = vm_->protect(r, 1)) return void(fail("result: " + *e));
  Json j;
  auto bad = lua_to_json(vm_->L(), -1, j);
  lua_pop(vm_->L(), 1);
  if (bad) return void(fail("result: " + *bad));
  games::Result res;
  res.scores.assign(static_cast<std::size_t>(seats()), 0);
  if (!j.is_null()) {
    if (!j.is_object()) return void(fail("result must return nil or a table"));
    res.over = !j.contains("over") || j["over"] == true;
    if (j.contains("winner") && !j["winner"].is_null()) {
      auto w = int_in(j["winner"], 0, seats() - 1);
      if (!w) return void(fail("result: winner must be a seat 0.." + std::to_string(seats() - 1)));
      res.winner = *w;
      if (res.over) res.scores[static_cast<std::size_t>(*w)] = 1;
    }
    res.draw = res.over && res.winner == games::kNoSeat;
    if (j.contains("draw")) {
      if (!j["draw"].is_boolean()) return void(fail("result: draw must be true or false"));
      res.draw = res.over && j["draw"].get<bool>();
    }
    if (res.over) {
      if (!j.contains("reason") || !j["reason"].is_string() || j["reason"].get<std::string>().empty()) {
        return void(fail("result: a finished game needs a reason (a short word)"));
      }
      res.reason = one_line(j["reason"].get<std::string>());
    }
    if (j.contains("scores")) {
      const Json& sc = j["scores"];
      if (!sc.is_array() || sc.size() != static_cast<std::size_t>(seats())) {
        return void(fail("result: scores must list one integer per seat"));
      }
      for (std::size_t i = 0; i < sc.size(); ++i) {
        auto v = int_in(sc[i], INT_MIN + 1, INT_MAX);
        if (!v) return void(fail("result: scores must list one integer per seat"));
        res.scores[i] = *v;
      }
    }
  }
  int mover = games::kNoSeat;
  if (!res.over) {
    CallSpec t{module_ref_, state_ref_, "to_move", kNoArg};
    if (auto e = vm_->protect(t, 1)) return void(fail("to_move: " + *e));
    lua_State* L = vm_->L();
    const bool ok = lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0 && lua_tointeger(L, -1) < seats();
    if (ok) mover = static_cast<int>(lua_tointeger(L, -1));
    lua_pop(L, 1);
    if (!ok) {
      return void(fail("to_move must return a seat 0.." + std::to_string(seats() - 1) +
                       " while the game is not over"));
    }
  }
  result_ = std::move(res);
  to_move_ = mover;
}

Error LuaState::fail(std::string why) const {
  why = one_line(why);
  if (!broken_) {
    broken_ = why;
    to_move_ = games::kNoSeat;
    result_ = games::Result{true, games::kNoSeat, false, std::string(games::kModuleErrorReason),
                            std::vector<int>(static_cast<std::size_t>(seats()), 0)};
    legal_.emplace();
  }
  return refusal(game_->label() + ": " + why);
}

int LuaState::to_move() const { return to_move_; }
games::Result LuaState::result() const { return result_; }

std::vector<std::string> LuaState::legal_moves() const {
  if (legal_) return *legal_;
  if (result_.over) return {};
  CallSpec c{module_ref_, state_ref_, "legal_moves", kNoArg};
  std::vector<std::string> moves;
  if (auto e = vm_->protect(c, 1)) {
    fail("legal_moves: " + *e);
    return {};
  }
  Json j;
  auto bad = lua_to_json(vm_->L(), -1, j);
  lua_pop(vm_->L(), 1);
  if (bad) {
    fail("legal_moves: " + *bad);
    return {};
  }
  if (!j.is_array()) {
    fail("legal_moves must return a list of strings");
    return {};
  }
  for (const Json& m : j) {
    if (!m.is_string()) {
      fail("legal_moves must return a list of strings");
      return {};
    }
    moves.push_back(m.get<std::string>());
  }
  legal_ = moves;
  return moves;
}

Json LuaState::module_view(int seat) const {
  Json mine;
  if (broken_) return mine;
  CallSpec c{module_ref_, state_ref_, "view", seat >= 0 && seat < seats() ? seat : games::kSpectator};
  if (auto e = vm_->protect(c, 1)) {
    fail("view: " + *e);
    return mine;
  }
  auto bad = lua_to_json(vm_->L(), -1, mine);
  lua_pop(vm_->L(), 1);
  if (bad) fail("view: " + *bad);
  else if (!mine.is_object() && !(mine.is_array() && mine.empty())) fail("view must return a table with string keys");
  if (broken_) return Json();  // not what lua_to_json had filled when it stopped
  return mine;
}

Json LuaState::view(int seat) const {
  Json mine;
  if (!game_->perfect_information()) {
    mine = module_view(seat);
  } else {
    // Every seat sees the spectator's view: one call into the module per
    // change of state, however many seats and spectators are sent it.
    // Trusting the declaration is safe: the public view is all a seat gets.
    if (!public_view_) public_view_ = std::make_unique<Json>(module_view(games::kSpectator));
    mine = *public_view_;
  }
  Json j = common_view(seat);
  if (broken_) {
    j["error"] = "module_error";
    return j;
  }
  if (mine.is_object()) {
    // The host's fields come first and stay as they are.
    for (auto& [k, v] : mine.items()) {
      if (!j.contains(k)) j[k] = std::move(v);
    }
  }
  return j;
}

bool LuaState::module_view_members(int seat, std::string& out) const {
  if (broken_) return false;
  CallSpec c{module_ref_, state_ref_, "view", seat >= 0 && seat < seats() ? seat : games::kSpectator};
  if (auto e = vm_->protect(c, 1)) {
    fail("view: " + *e);
    return false;
  }
  const std::size_t before = out.size();
  auto bad = lua_to_json_members(vm_->L(), -1, games::kCommonViewKeys, out);
  lua_pop(vm_->L(), 1);
  if (bad) {
    out.resize(before);
    // The tree's message for the same fault (the tests hold both to it).
    fail(*bad == "not a table" ? "view must return a table with string keys" : "view: " + *bad);
    return false;
  }
  return true;
}

std::string LuaState::view_text(int seat) const {
  std::string members;
  const std::string* mine = &members;
  bool ok = true;
  if (!game_->perfect_information()) {
    ok = module_view_members(seat, members);
  } else {
    // One call into the module per change of state, as view() does.
    if (!public_text_) {
      std::string text;
      if (module_view_members(games::kSpectator, text)) public_text_ = std::move(text);
    }
    ok = public_text_.has_value();
    if (ok) mine = &*public_text_;
  }
  if (!ok || broken_) return base::json_text(view(seat));  // with its "error" field
  base::JsonWriter w;
  w.begin_object();
  write_common_view(seat, w);
  w.end_object();
  std::string out = w.release();
  out.pop_back();  // the '}': the module's members go before it
  out += *mine;
  out.push_back('}');
  return out;
}

Json LuaState::snapshot() const {
  Json state;
  lua_rawgeti(vm_->L(), LUA_REGISTRYINDEX, state_ref_);
  auto bad = lua_to_json(vm_->L(), -1, state);
  lua_pop(vm_->L(), 1);
  Json j = {{"module", game_->label()}, {"rng", rng_.state()}, {"log_size", log_.size()}};
  if (bad) j["state_error"] = *bad;
  else j["state"] = std::move(state);
  if (broken_) j["module_error"] = *broken_;
  return j;
}

std::unique_ptr<games::State> LuaState::clone() const {
  // The fold again, in a Lua state of its own: a module's state is whatever
  // its moves made it, so this is exact (and a module that is not
  // deterministic shows up here as it would after a restart).
  auto fresh = game_->initial(seed_, options_, seats());
  if (!fresh) return nullptr;
  for (const games::LoggedMove& m : log_) {
    if (!fresh.value()->apply_logged(m.seat, m.text)) break;
  }
  return std::move(fresh.value());
}

Expected<std::string> LuaState::apply_move(int seat, std::string_view text) {
  CallSpec c{module_ref_, state_ref_, "play", seat, text.data(), text.size(), 3};
  changed();  // even a refusal ran the module's code on the state
  vm_->allow_random(true);
  auto e = vm_->protect(c, 3);
  vm_->allow_random(false);
  if (e) return fail("play: " + *e);
  lua_State* L = vm_->L();
  // play returns the canonical text, or nil/false, code, reason.
  std::string logged, code, reason;
  const int t1 = lua_type(L, -3);
  if (t1 == LUA_TSTRING) {
    std::size_t n = 0;
    const char* s = lua_tolstring(L, -3, &n);
    logged.assign(s, n);
  } else {
    if (lua_type(L, -2) == LUA_TSTRING) code = lua_tostring(L, -2);
    if (lua_type(L, -1) == LUA_TSTRING) reason = lua_tostring(L, -1);
  }
  lua_pop(L, 3);
  if (t1 == LUA_TSTRING) {
    const bool clean = !logged.empty() && logged.size() <= kMaxMoveText && base::valid_utf8(logged) &&
                       std::none_of(logged.begin(), logged.end(), [](char ch) {
                         return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
                       }) &&
                       logged.front() != ' ' && logged.back() != ' ';
    if (!clean || logged == "timeout" || base::ascii_iequals(logged, "resign")) {
      return fail("play returned '" + logged.substr(0, 40) +
                  "': a logged move must be 1-200 bytes of one line, not 'resign' or 'timeout'");
    }
    log_.push_back({seat, logged});
    refresh();
    if (broken_) return refusal(game_->label() + ": " + *broken_);
    return logged;
  }
  if (t1 != LUA_TNIL && !(t1 == LUA_TBOOLEAN)) {
    return fail("play must return the move's text, or nil, code, reason");
  }
  if (reason.empty()) reason = "not a move now";
  if (code == "BAD_SYNTAX") return Error{Code::kBadSyntax, one_line(reason)};
  if (code == "ILLEGAL_MOVE") return Error{Code::kIllegalMove, one_line(reason)};
  return fail("play refused a move with code '" + one_line(code) +
              "' (BAD_SYNTAX or ILLEGAL_MOVE expected)");
}

Expected<std::string> LuaState::apply_forfeit(int seat, games::Forfeit why) {
  const std::string text = why == games::Forfeit::kTimeout ? "timeout" : "resign";
  if (!game_->has_forfeit()) {
    // Two seats (load() checked): the other seat wins.
    log_.push_back({seat, text});
    result_ = games::win_or_draw(true, 1 - seat, text);
    to_move_ = games::kNoSeat;
    legal_.emplace();
    return text;
  }
  CallSpec c{module_ref_, state_ref_, "forfeit", seat, text.data(), text.size(), 2};
  changed();
  vm_->allow_random(true);
  auto e = vm_->protect(c, 2);
  vm_->allow_random(false);
  if (e) return fail("forfeit: " + *e);
  lua_State* L = vm_->L();
  const bool refused = lua_type(L, -2) == LUA_TBOOLEAN && lua_toboolean(L, -2) == 0;
  std::string reason = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "that seat cannot forfeit";
  lua_pop(L, 2);
  if (refused) return Error{Code::kIllegalMove, one_line(reason)};
  log_.push_back({seat, text});
  refresh();
  if (broken_) return refusal(game_->label() + ": " + *broken_);
  return text;
}

}  // namespace lobbyd::modules
