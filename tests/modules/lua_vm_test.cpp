// The sandbox and the budgets of a game module's Lua state (src/modules/
// lua_vm.h): what a module cannot reach, what it cannot spend, and that
// every failure comes back as an error text, never a crash.
#include <gtest/gtest.h>

#include <lua.hpp>

#include <string>

#include "modules/lua_vm.h"

namespace lobbyd::modules {
namespace {

std::unique_ptr<LuaVm> vm(Limits limits = {}) {
  auto v = LuaVm::create(limits);
  EXPECT_TRUE(v);
  return v;
}

// Runs `code` (a chunk that returns one value) and gives that value as a
// string, or "error: <why>".
std::string eval(LuaVm& v, const std::string& code) {
  if (auto e = v.run_chunk(code, "=test", 1)) return "error: " + *e;
  std::string out = lua_type(v.L(), -1) == LUA_TSTRING ? lua_tostring(v.L(), -1)
                    : lua_type(v.L(), -1) == LUA_TBOOLEAN ? (lua_toboolean(v.L(), -1) ? "true" : "false")
                    : lua_type(v.L(), -1) == LUA_TNUMBER  ? std::to_string(lua_tointeger(v.L(), -1))
                                                          : luaL_typename(v.L(), -1);
  lua_pop(v.L(), 1);
  return out;
}

TEST(LuaSandbox, WhatARulesEngineMustNotHaveIsGone) {
  auto v = vm();
  for (const char* name : {"io", "os", "package", "debug", "require", "load", "loadfile", "dofile",
                           "collectgarbage", "print", "string.dump", "math.random",
                           "math.randomseed"}) {
    EXPECT_EQ(eval(*v, std::string("return ") + name + " == nil"), "true") << name;
  }
  // What a rules engine needs is there.
  EXPECT_EQ(eval(*v, "return string.rep('ab', 2) .. table.concat({1, 2}) .. math.max(3, 4) .. utf8.char(233)"),
            "abab124é");
  EXPECT_EQ(eval(*v, "return select('#', pcall(error, 'x'))"), "2");
}

TEST(LuaSandbox, TheStringMetatableIsLocked) {
  auto v = vm();
  EXPECT_EQ(eval(*v, "return getmetatable('')"), "false");
  EXPECT_EQ(eval(*v, "return ('x'):rep(3)"), "xxx") << "string methods still work";
}

TEST(LuaSandbox, BinaryChunksAreRefused) {
  auto v = vm();
  const std::string binary = std::string("\x1bLua") + std::string(40, '\0');
  std::string r = eval(*v, binary);
  EXPECT_NE(r.find("attempt to load a binary chunk"), std::string::npos) << r;
}

TEST(LuaSandbox, FinalizersAreRefused) {
  auto v = vm();
  std::string r = eval(*v, "setmetatable({}, {__gc = function() end}) return 1");
  EXPECT_NE(r.find("__gc metamethods are not allowed"), std::string::npos) << r;
  EXPECT_EQ(eval(*v, "return getmetatable(setmetatable({}, {__index = {}})) ~= nil"), "true");
}

TEST(LuaSandbox, PairsVisitsKeysInAFixedOrder) {
  auto v = vm();
  EXPECT_EQ(eval(*v, R"(
    local t = {zeta = 1, alpha = 2, [3] = 'c', [1] = 'a', mid = 3, [2] = 'b'}
    local out = {}
    for k in pairs(t) do out[#out + 1] = tostring(k) end
    return table.concat(out, ','))"),
            "1,2,3,alpha,mid,zeta");
}

TEST(LuaSandbox, RandomnessIsTheHostsAndOnlyWhenAllowed) {
  auto v = vm();
  games::Rng rng(42);
  v->set_rng(&rng);
  std::string r = eval(*v, "return random(6)");
  EXPECT_NE(r.find("random() is available only in init, play and forfeit"), std::string::npos) << r;
  v->allow_random(true);
  const std::string draws = eval(*v, "local t = {} for i = 1, 8 do t[i] = random(6) end return table.concat(t, ' ')");
  games::Rng same(42);
  std::string expect;
  for (int i = 0; i < 8; ++i) expect += (i ? " " : "") + std::to_string(same.below(6) + 1);
  EXPECT_EQ(draws, expect);
  // shuffle(t) is the library's Fisher-Yates on t[1..n].
  games::Rng a(9), b(9);
  v->set_rng(&a);
  std::vector<int> cards{1, 2, 3, 4, 5, 6, 7};
  b.shuffle(cards);
  std::string want;
  for (int c : cards) want += std::to_string(c);
  EXPECT_EQ(eval(*v, "local t = {1, 2, 3, 4, 5, 6, 7} shuffle(t) return table.concat(t)"), want);
}

TEST(LuaBudget, AnInfiniteLoopEndsWithinItsBudget) {
  auto v = vm({.instructions_per_call = 1'000'000});
  std::string r = eval(*v, "while true do end");
  EXPECT_EQ(r, "error: instruction budget exceeded (1000000 per call)");
  EXPECT_EQ(eval(*v, "return 7"), "7") << "the state goes on: the next call has a fresh budget";
}

TEST(LuaBudget, CatchingTheBudgetErrorDoesNotBuyMoreTime) {
  auto v = vm({.instructions_per_call = 1'000'000});
  std::string r = eval(*v, "while true do pcall(function() while true do end end) end");
  EXPECT_EQ(r, "error: instruction budget exceeded (1000000 per call)");
}

TEST(LuaBudget, MemoryIsCapped) {
  auto v = vm({.memory_bytes = 4u << 20});
  EXPECT_EQ(eval(*v, "local s = string.rep('x', 1 << 30) return #s"),
            "error: memory limit exceeded (4194304 bytes)");
  EXPECT_EQ(eval(*v, "local t = {} for i = 1, 1e9 do t[i] = i end"),
            "error: memory limit exceeded (4194304 bytes)");
  EXPECT_LE(v->memory_used(), 4u << 20);
  EXPECT_EQ(eval(*v, "return 8"), "8") << "the state is usable after a memory error";
}

TEST(LuaBudget, DeepRecursionIsAnError) {
  auto v = vm();
  std::string r = eval(*v, "local function f(n) return 1 + f(n + 1) end return f(1)");
  EXPECT_EQ(r.rfind("error: ", 0), 0u) << r;
}

TEST(LuaErrors, MessagesCarryTheLine) {
  auto v = vm();
  EXPECT_EQ(eval(*v, "local x = nil\nreturn x.y"), "error: test:2: attempt to index a nil value (local 'x')");
  EXPECT_EQ(eval(*v, "return +"), "error: test:1: unexpected symbol near '+'");
  EXPECT_EQ(eval(*v, "error({})"), "error: error object is a table value");
}

}  // namespace
}  // namespace lobbyd::modules
