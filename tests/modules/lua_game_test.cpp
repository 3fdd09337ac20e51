// LuaGame and LuaState (src/modules/lua_game.h): what a module must declare,
// what load() refuses and why, and hostile modules at play time: every
// failure is MODULE_ERROR for the move, and the table's game ends with
// reason module_error, nobody winning; nothing else is touched.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "modules/lua_game.h"

namespace lobbyd::modules {
namespace {

using games::Code;

// A small valid module; `play_hook` runs in play() when the text is "boom"
// (load's self-check plays only "ok", its one legal move), `view_hook` in
// view() from the third move on at a table with goal=9 (the self-check
// plays with the default, 4).
std::string probe(const std::string& play_hook = "", const std::string& view_hook = "",
                  const std::string& extra = "") {
  return R"(
local game = {name = "probe", seats = 2, options = {{key = "goal", min = 1, max = 9, default = 4}}}
)" + extra + R"(
function game.init(ctx) return {n = 0, turn = 0, goal = ctx.options.goal} end
function game.to_move(s) return s.turn end
function game.legal_moves(s) return {"ok"} end
function game.result(s) if s.n >= s.goal then return {winner = 0, reason = "goal"} end end
function game.view(s, seat)
  if s.goal == 9 and s.n >= 3 then )" + view_hook + R"( end
  return {n = s.n, you_are = seat}
end
function game.play(s, seat, text)
  if text == "boom" then )" + play_hook + R"( end
  if text ~= "ok" then return nil, "BAD_SYNTAX", "say ok" end
  s.n = s.n + 1
  s.turn = 1 - s.turn
  return "ok"
end
return game
)";
}

std::shared_ptr<const LuaGame> load_ok(const std::string& src, Limits limits = {}) {
  auto g = LuaGame::load(src, 1, limits);
  EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().reason);
  return g.ok() ? g.value() : nullptr;
}

std::string refused(const std::string& src) {
  auto g = LuaGame::load(src, 1);
  if (g.ok()) return "loaded";
  EXPECT_EQ(g.error().code, Code::kModuleError);
  return g.error().reason;
}

std::unique_ptr<games::State> start(const LuaGame& g, const games::Options& options = {}) {
  auto s = g.initial(1, options, 2);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().reason);
  return s.ok() ? std::move(s.value()) : nullptr;
}

const LuaState& lua(const games::State& s) { return static_cast<const LuaState&>(s); }

TEST(LuaGame, ADescribedModuleIsAGame) {
  auto g = load_ok(probe());
  ASSERT_TRUE(g);
  EXPECT_EQ(g->name(), "probe");
  EXPECT_EQ(g->label(), "probe@1");
  EXPECT_EQ(g->min_seats(), 2);
  ASSERT_EQ(g->option_specs().size(), 1u);
  EXPECT_EQ(g->option_specs()[0].key, "goal");
  auto s = start(*g);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->to_move(), 0);
  EXPECT_EQ(s->legal_moves(), std::vector<std::string>{"ok"});
  auto v = s->view(1);
  EXPECT_EQ(v["game"], "probe");
  EXPECT_EQ(v["you"], 1);
  EXPECT_EQ(v["you_are"], 1);
  EXPECT_EQ(s->view(games::kSpectator)["you_are"], nullptr);
  // The host's rules come first: turn order, then the module's codes.
  EXPECT_EQ(s->play(1, "ok").error().code, Code::kNotYourTurn);
  EXPECT_EQ(s->play(0, "no").error().code, Code::kBadSyntax);
  EXPECT_EQ(s->play(0, "no").error().reason, "say ok");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(s->play(s->to_move(), "ok").ok());
  EXPECT_TRUE(s->result().over);
  EXPECT_EQ(s->result().winner, 0);
  EXPECT_EQ(s->result().reason, "goal");
  EXPECT_EQ(s->result().scores, (std::vector<int>{1, 0}));
}

TEST(LuaGame, OptionsReachInitWithTheirDefaults) {
  auto g = load_ok(probe());
  ASSERT_TRUE(g);
  auto two = start(*g, {{"goal", "2"}});
  ASSERT_TRUE(two);
  ASSERT_TRUE(two->play(0, "ok").ok());
  ASSERT_TRUE(two->play(1, "ok").ok());
  EXPECT_TRUE(two->result().over) << "goal=2";
  EXPECT_EQ(g->initial(1, {{"goal", "10"}}, 2).error().code, Code::kBadOption);
  EXPECT_EQ(g->initial(1, {}, 3).error().code, Code::kBadOption);
}

TEST(LuaGame, LoadRefusesWithTheReason) {
  EXPECT_EQ(refused("return {"), "module@1:1: unexpected symbol near <eof>");
  EXPECT_EQ(refused("return 5"), "the module must return a table, not a number");
  EXPECT_EQ(refused("error('nope')"), "module@1:1: nope");
  EXPECT_NE(refused("return {name = 'Bad Name', seats = 2}").find("'name' must be"), std::string::npos);
  EXPECT_NE(refused("return {name = 'x', seats = 99}").find("'seats' must be"), std::string::npos);
  EXPECT_NE(refused("return {name = 'x', seats = {min = 3, max = 2}}").find("'seats' must be"),
            std::string::npos);
  EXPECT_EQ(refused("return {name = 'x', seats = 2}"), "the module has no function 'init'");
  EXPECT_NE(refused(probe("", "", "game.seats = {min = 2, max = 4}")).find("must define forfeit"),
            std::string::npos);
  EXPECT_NE(refused(probe("", "", "game.options = {{key = 'seats', min = 1, max = 2}}")).find("every option"),
            std::string::npos);
  EXPECT_NE(refused("while true do end").find("instruction budget exceeded"), std::string::npos);
}

TEST(LuaGame, SelfCheckFindsWhatWouldBreakATable) {
  // init that fails, a view that cannot be JSON, a legal move its own play
  // refuses, a view that changes between two calls.
  std::string bad_init = probe();
  bad_init.replace(bad_init.find("return {n = 0"), 6, "error('no state') return");
  EXPECT_NE(refused(bad_init).find("self-check: init with 2 seats: probe@1: probe@1:"), std::string::npos)
      << refused(bad_init);
  std::string fn_view = probe();
  fn_view.replace(fn_view.find("return {n = s.n, you_are = seat}"), 32, "return {f = function() end}");
  EXPECT_NE(refused(fn_view).find("a function cannot be sent (at .f)"), std::string::npos) << refused(fn_view);
  std::string refuses_own = probe();
  refuses_own.replace(refuses_own.find("return {\"ok\"}"), 13, "return {\"no\"}");
  EXPECT_NE(refused(refuses_own).find("its own legal move 'no' was refused: BAD_SYNTAX"), std::string::npos);
  std::string fickle = probe("", "", "local calls = 0");
  fickle.replace(fickle.find("return {n = s.n, you_are = seat}"), 32,
                 "calls = calls + 1 return {n = s.n, calls = calls}");
  EXPECT_NE(refused(fickle).find("two different answers for the same state"), std::string::npos)
      << refused(fickle);
}

// A hostile play(): the move gets MODULE_ERROR with the reason, the table's
// game is over (module_error, unrated: nobody wins), the next move is refused.
void hostile_play(const std::string& hook, const std::string& expect, Limits limits = {}) {
  SCOPED_TRACE(hook);
  auto g = load_ok(probe(hook), limits);
  ASSERT_TRUE(g);
  auto s = start(*g);
  ASSERT_TRUE(s);
  auto r = s->play(0, "boom");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kModuleError);
  EXPECT_NE(r.error().reason.find(expect), std::string::npos) << r.error().reason;
  EXPECT_EQ(r.error().reason.rfind("probe@1: ", 0), 0u) << r.error().reason;
  ASSERT_TRUE(lua(*s).module_error().has_value());
  EXPECT_TRUE(s->result().over);
  EXPECT_EQ(s->result().reason, "module_error");
  EXPECT_EQ(s->result().winner, games::kNoSeat);
  EXPECT_FALSE(s->result().draw);
  EXPECT_EQ(s->to_move(), games::kNoSeat);
  EXPECT_TRUE(s->legal_moves().empty());
  EXPECT_EQ(s->play(0, "ok").error().code, Code::kGameOver);
  EXPECT_EQ(s->view(0)["error"], "module_error");
  EXPECT_EQ(s->view(0)["result"]["reason"], "module_error");
}

TEST(LuaHostile, InfiniteLoop) { hostile_play("while true do end", "instruction budget exceeded"); }
TEST(LuaHostile, LoopThatCatchesItsBudget) {
  hostile_play("while true do pcall(function() while true do end end) end", "instruction budget exceeded");
}
TEST(LuaHostile, MemoryBomb) {
  hostile_play("local t = {} for i = 1, 1e9 do t[i] = {i} end", "memory limit exceeded");
}
TEST(LuaHostile, GigabyteString) { hostile_play("local s = string.rep('x', 1 << 30)", "memory limit exceeded"); }
TEST(LuaHostile, DeepRecursion) {
  // The Lua stack grows into the memory cap before its own limit.
  hostile_play("local function f(n) return 1 + f(n + 1) end f(1)", "memory limit exceeded");
}
TEST(LuaHostile, ReachingForTheHost) {
  hostile_play("io.open('/etc/passwd')", "attempt to index a nil value (global 'io')");
  hostile_play("os.exit(1)", "attempt to index a nil value (global 'os')");
  hostile_play("require('os')", "attempt to call a nil value (global 'require')");
  hostile_play("load('return 1')()", "attempt to call a nil value (global 'load')");
  hostile_play("debug.getregistry()", "attempt to index a nil value (global 'debug')");
  hostile_play("getmetatable('').__index.rep = nil", "attempt to index a boolean value");
  hostile_play("math.random(2)", "attempt to call a nil value (field 'random')");
}
TEST(LuaHostile, MalformedAnswers) {
  hostile_play("return 42", "play must return the move's text");
  hostile_play("return 'resign'", "a logged move must be");
  hostile_play("return 'two\\nlines'", "a logged move must be");
  hostile_play("return nil, 'WHATEVER', 'x'", "BAD_SYNTAX or ILLEGAL_MOVE expected");
  hostile_play("s.turn = 7 return 'ok'", "to_move must return a seat 0..1");
}
TEST(LuaHostile, BrokenViews) {
  for (const auto& [hook, expect] : std::vector<std::pair<std::string, std::string>>{
           {"error('view broke')", "view: probe@1:"},
           {"return {f = function() end}", "a function cannot be sent"},
           {"local t = {} t.t = t return {t = t}", "nested deeper than 32"},
           {"return {x = 0/0}", "not finite"},
           {"return {[1] = 1, y = 2}", "neither 1..n nor all strings"},
           {"return {s = '\\xff'}", "not UTF-8"},
           {"return {b = {1, 2, {c = function() end}}}", "cannot be sent (at .b[3].c)"},
           {"return 7", "view must return a table with string keys"},
           {"return {1, 2}", "view must return a table with string keys"},
       }) {
    SCOPED_TRACE(hook);
    auto g = load_ok(probe("", hook));
    ASSERT_TRUE(g);
    // Both ways to a view: the tree (view) and the text tables send
    // (view_text) fail alike, with the same reason.
    for (bool text : {false, true}) {
      SCOPED_TRACE(text ? "view_text" : "view");
      auto s = start(*g, {{"goal", "9"}});
      for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->play(s->to_move(), "ok").ok());
      auto v = text ? nlohmann::json::parse(s->view_text(1)) : s->view(1);
      EXPECT_EQ(v["error"], "module_error");
      ASSERT_TRUE(lua(*s).module_error().has_value());
      EXPECT_NE(lua(*s).module_error()->find(expect), std::string::npos) << *lua(*s).module_error();
      EXPECT_TRUE(s->result().over);
    }
  }
}

TEST(LuaHostile, OneTableCannotReachAnother) {
  // Globals live in the table's own Lua state.
  auto g = load_ok(probe("shared = (shared or 0) + 1 return nil, 'ILLEGAL_MOVE', tostring(shared)"));
  ASSERT_TRUE(g);
  auto a = start(*g);
  auto b = start(*g);
  EXPECT_EQ(a->play(0, "boom").error().reason, "1");
  EXPECT_EQ(a->play(0, "boom").error().reason, "2");
  EXPECT_EQ(b->play(0, "boom").error().reason, "1");
}

TEST(LuaGame, ATableKeepsItsVersion) {
  auto v1 = load_ok(probe());
  ASSERT_TRUE(v1);
  auto s = start(*v1);
  std::weak_ptr<const LuaGame> weak = v1;
  v1.reset();  // the registry moved on to a newer version
  ASSERT_FALSE(weak.expired()) << "the running table holds its version";
  EXPECT_TRUE(s->play(0, "ok").ok());
  EXPECT_EQ(&s->game(), weak.lock().get());
  s.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(LuaGame, MemoryOfATable) {
  auto g = load_ok(probe());
  ASSERT_TRUE(g);
  auto s = start(*g);
  // Informational (docs/benchmarks.md has the connect-four figure).
  RecordProperty("lua_state_bytes", std::to_string(lua(*s).memory_used()));
  EXPECT_GT(lua(*s).memory_used(), 0u);
}

}  // namespace
TEST(LuaGame, PerfectInformationIsHeldToItsWord) {
  // The probe's view names the seat: a declaration that every seat sees the
  // spectator's view is refused, and so is a value that is not a boolean.
  EXPECT_NE(refused(probe("", "", "game.perfect_information = true")).find(
                "perfect_information is declared, but view(0) differs from the spectator's view(nil)"),
            std::string::npos);
  EXPECT_EQ(refused(probe("", "", "game.perfect_information = 1")), "'perfect_information' must be true or false");
  // A view that does not depend on the seat: the same for every seat and
  // spectators, each seat's own host fields ("you") kept.
  std::string same = probe("", "", "game.perfect_information = true");
  same.replace(same.find("return {n = s.n, you_are = seat}"), 32, "return {n = s.n}");
  auto g = load_ok(same);
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->perfect_information());
  auto st = g->initial(7, {}, 2);
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st.value()->play(0, "ok").ok());
  const games::Json v0 = st.value()->view(0), v1 = st.value()->view(1), spec = st.value()->view(games::kSpectator);
  EXPECT_EQ(v0["n"], 1);
  EXPECT_EQ(v1["n"], 1);
  EXPECT_EQ(spec["n"], 1);
  EXPECT_NE(v0["you"], v1["you"]);
  ASSERT_TRUE(st.value()->play(1, "ok").ok());
  EXPECT_EQ(st.value()->view(1)["n"], 2) << "the cached view is dropped when the state changes";
}

}  // namespace lobbyd::modules
